import { performance } from 'node:perf_hooks';
import { createActivities, defaultActivityDeps, type PolicySource } from '@airlock/activities';
import { ActionRequest, type GuardedActionInput } from '@airlock/core';
import { argsHash, deriveActionId } from '@airlock/core/hashing';
import { appendAudit, type Db } from '@airlock/db';
import { MockActivityEnvironment } from '@temporalio/testing';
import { nextAgent } from '../airlock/worker.js';
import { nextId } from '../ids.js';
import { summarize, type Summary } from '../stats.js';
import type { QueryCounter, QueryStats } from './query-counter.js';

export interface StepCost {
  step: string;
  ms: Summary;
  /** Per call. */
  queries: QueryStats;
}

export const STEP_NAMES = [
  'SELECT 1 (pool round trip)',
  'prisma agent.findUnique',
  'appendAudit, 1 event',
  'INSERT, autocommit (waits for WAL flush)',
  'INSERT, synchronous_commit off',
  'gateway: validate + hash (CPU)',
  'admitAndRun: admission + run + completion (one activity)',
] as const;
type StepName = (typeof STEP_NAMES)[number];

export function perCall(stats: QueryStats, calls: number): QueryStats {
  const n = Math.max(1, calls);
  const byKind = Object.fromEntries(Object.entries(stats.byKind).map(([k, t]) => [k, { count: t.count / n, statements: t.statements / n, ms: t.ms / n }]));
  return { count: stats.count / n, statements: stats.statements / n, ms: stats.ms / n, byKind };
}

function request(): GuardedActionInput {
  const key = nextId('step');
  const req = ActionRequest.parse({ agentId: nextAgent(), tool: 'demo.echo', args: { message: key }, rationale: 'benchmark', idempotencyKey: key });
  return { actionId: deriveActionId('bench-profile', req.agentId, req.idempotencyKey), argsHash: argsHash(req.args), request: req };
}

/**
 * Each bookkeeping step of the auto-approved path called directly, outside
 * Temporal, on the same database: what the activities themselves cost.
 */
export async function timeSteps(db: Db, policy: PolicySource, counter: QueryCounter, runs: number): Promise<StepCost[]> {
  const acts = createActivities(defaultActivityDeps(db, policy));
  const samples = new Map<StepName, number[]>(STEP_NAMES.map((s) => [s, []]));
  const queries = new Map<StepName, QueryStats>(STEP_NAMES.map((s) => [s, { count: 0, statements: 0, ms: 0, byKind: {} }]));
  const time = async (step: StepName, fn: () => Promise<unknown>) => {
    counter.take();
    counter.enabled = true;
    const t0 = performance.now();
    await fn();
    samples.get(step)!.push(performance.now() - t0);
    counter.enabled = false;
    const taken = counter.take();
    const acc = queries.get(step)!;
    acc.count += taken.count;
    acc.statements += taken.statements;
    acc.ms += taken.ms;
    for (const [k, t] of Object.entries(taken.byKind)) {
      const a = (acc.byKind[k] ??= { count: 0, statements: 0, ms: 0 });
      a.count += t.count;
      a.statements += t.statements;
      a.ms += t.ms;
    }
  };
  // A scratch table in the scratch database: what one durable commit costs on this disk.
  await db.pool.query('CREATE TABLE IF NOT EXISTS bench_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
  for (let i = 0; i < runs; i++) {
    const input = request();
    const { actionId } = input;
    await time('SELECT 1 (pool round trip)', () => db.pool.query('SELECT 1'));
    await time('prisma agent.findUnique', () => db.prisma.agent.findUnique({ where: { id: input.request.agentId }, select: { id: true } }));
    await time('gateway: validate + hash (CPU)', async () => request());
    await time('admitAndRun: admission + run + completion (one activity)', async () => {
      type FastPath = Awaited<ReturnType<typeof acts.admitAndRun>>;
      const { admission, run } = await new MockActivityEnvironment().run<[GuardedActionInput], FastPath, (i: GuardedActionInput) => Promise<FastPath>>(
        (i) => acts.admitAndRun(i),
        input,
      );
      if (admission.classification.decision !== 'allow' || !run || !('completed' in run) || run.completed.status !== 'executed')
        throw new Error(`demo.echo did not run: ${admission.classification.reasons.join('; ')}`);
    });
    await time('INSERT, autocommit (waits for WAL flush)', () => db.pool.query('INSERT INTO bench_probe DEFAULT VALUES'));
    // One simple-protocol query string is one transaction, so SET LOCAL applies to the INSERT.
    await time('INSERT, synchronous_commit off', () => db.pool.query('SET LOCAL synchronous_commit = off; INSERT INTO bench_probe DEFAULT VALUES'));
    // A small catalogued row, the size of a hot-path transition's.
    await time('appendAudit, 1 event', () =>
      appendAudit(db, { eventKey: `${actionId}:bench`, actionId, type: 'action.rechecked', actor: 'system:bench', payload: { policyVersion: 'bench' } }),
    );
  }
  return STEP_NAMES.map((step) => ({ step, ms: summarize(samples.get(step)!), queries: perCall(queries.get(step)!, runs) }));
}
