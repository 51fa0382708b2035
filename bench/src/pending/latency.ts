import { performance } from 'node:perf_hooks';
import { getApprovals, postDecision, type ApiContext } from '@airlock/console';
import { actionHandle, awaitOutcome, getActionStatus } from '@airlock/core/gateway';
import type { Db } from '@airlock/db';
import { summarize, type Summary } from '../stats.js';
import { decisionLeg, splitDecisions, type DecisionLeg, type DecisionSplit } from './decision-split.js';
import { measureMachineWakeUp, type MachineWakeUp } from './wake-up.js';

/** Latency of the calls that answered, and how many did not (an error or a non-200). */
export type Latency = Summary & { failed: number; lastError?: string };

export interface PendingLatency {
  /** GET /api/v1/approvals?status=open&limit=100 (the console inbox's first page). */
  listFirstPage: Latency;
  /** The same with limit=500, the API's maximum. */
  listLargestPage: Latency;
  /** The `status` query on a random pending action (what the SDK's handle.status() sends). */
  statusQuery: Latency;
  /** POST /api/v1/actions/:id/decisions (approve), until the workflow has recorded it. */
  decide: Latency;
  /** From sending that request to the refund's `tool.started` audit row (its created_at, same machine clock). */
  decideToToolStart: Latency;
  /** The same, split by each decided workflow's history (read after its outcome, untimed). */
  decisionSplit: DecisionSplit;
  /** Decision → `tool.started` for decisions each sent after IDLE_GAP_MS without a call: what a person deciding after a quiet spell gets. */
  afterQuiet?: Latency;
  /** Those quiet decisions split as `decisionSplit` is: which leg a quiet spell slows. */
  afterQuietSplit?: DecisionSplit;
  /** A fixed CPU task after the same quiet spell against back to back, once per quiet decision: the machine's share of the difference. */
  machineWakeUp?: MachineWakeUp;
}

/** Longer than pg's idle timeout (10 s): a pool that closes its idle connections has closed them all. */
export const IDLE_GAP_MS = 11_000;

function request(path: string, key: string, body?: unknown): Request {
  return new Request(`http://airlock.bench${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const toLatency = (ms: number[], failed: number, lastError?: string): Latency => ({ ...summarize(ms), failed, ...(lastError ? { lastError } : {}) });

async function timed(samples: number, call: (i: number) => Promise<void>): Promise<Latency> {
  const ms: number[] = [];
  let failed = 0;
  let lastError: string | undefined;
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    try {
      await call(i);
      ms.push(performance.now() - start);
    } catch (error) {
      failed++;
      lastError = error instanceof Error ? error.message : String(error);
    }
  }
  return toLatency(ms, failed, lastError);
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

/**
 * One call at a time, the REST handlers called as Next.js would call them (no
 * HTTP server in between): what an approver's click costs while the rest wait.
 */
export async function measurePendingLatency(ctx: ApiContext, db: Db, approverKey: string, samples: number, quietDecisions = 0): Promise<PendingLatency> {
  const listFirstPage = await timed(samples, async () => expectOk(await getApprovals(request('/api/v1/approvals?status=open&limit=100', approverKey), ctx), 'list'));
  const listLargestPage = await timed(samples, async () => expectOk(await getApprovals(request('/api/v1/approvals?status=open&limit=500', approverKey), ctx), 'list 500'));
  const { rows } = await db.pool.query<{ action_id: string; args_hash: string }>(`SELECT action_id, args_hash FROM approvals WHERE status = 'open' ORDER BY random() LIMIT $1`, [
    samples * 2 + quietDecisions,
  ]);
  if (rows.length < samples * 2 + quietDecisions) throw new Error(`only ${rows.length} pending approvals left to sample`);
  const statusQuery = await timed(samples, async (i) => {
    await getActionStatus(ctx.temporal, rows[i]!.action_id);
  });
  const decisions = await decideOneAtATime(ctx, db, approverKey, rows.slice(samples, samples * 2));
  if (quietDecisions === 0) return { listFirstPage, listLargestPage, statusQuery, ...decisions };
  const quiet = await decideOneAtATime(ctx, db, approverKey, rows.slice(samples * 2), IDLE_GAP_MS);
  const machineWakeUp = await measureMachineWakeUp(quietDecisions, IDLE_GAP_MS);
  return { listFirstPage, listLargestPage, statusQuery, ...decisions, afterQuiet: quiet.decideToToolStart, afterQuietSplit: quiet.decisionSplit, machineWakeUp };
}

/**
 * One decision at a time, as the overhead part times its channels: each action's
 * decision is sent, answered, its tool started and its outcome in (untimed) before the
 * next one is sent, so one action's run never overlaps the next decision.
 */
async function decideOneAtATime(
  ctx: ApiContext,
  db: Db,
  approverKey: string,
  actions: readonly { action_id: string; args_hash: string }[],
  quietBeforeMs = 0,
): Promise<Pick<PendingLatency, 'decide' | 'decideToToolStart' | 'decisionSplit'>> {
  const decideMs: number[] = [];
  const toolStartMs: number[] = [];
  const legs: (DecisionLeg | undefined)[] = [];
  let failed = 0;
  let lastError: string | undefined;
  for (const { action_id: id, args_hash: argsHash } of actions) {
    if (quietBeforeMs > 0) await new Promise((resolve) => setTimeout(resolve, quietBeforeMs));
    try {
      const sentAt = Date.now();
      const start = performance.now();
      await expectOk(await postDecision(request(`/api/v1/actions/${id}/decisions`, approverKey, { decision: 'approve', argsHash }), ctx, { id }), 'decide');
      decideMs.push(performance.now() - start);
      const toolStarted = await toolStartedAt(db, id);
      toolStartMs.push(toolStarted - sentAt);
      const outcome = await awaitOutcome(ctx.temporal, id);
      if (outcome.status !== 'executed') throw new Error(`approved action ${id} ended ${outcome.status}`);
      legs.push(decisionLeg(await actionHandle(ctx.temporal, id).fetchHistory(), sentAt, toolStarted));
    } catch (error) {
      failed++;
      lastError = error instanceof Error ? error.message : String(error);
    }
  }
  return { decide: toLatency(decideMs, failed, lastError), decideToToolStart: toLatency(toolStartMs, failed, lastError), decisionSplit: splitDecisions(legs) };
}

/** When the action's `tool.started` row was written (its created_at; the worker runs in its own process), polled untimed. */
async function toolStartedAt(db: Db, actionId: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const row = await db.prisma.auditEvent.findFirst({ where: { actionId, type: 'tool.started' }, select: { createdAt: true } });
    if (row) return row.createdAt.getTime();
    if (Date.now() > deadline) throw new Error(`no tool.started row for ${actionId} within 30 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
