// Counts the database round trips and statements of one auto-approved action
// (`admitAndRun` on demo.echo: admission, run, completion), outside Temporal,
// on a scratch database: seconds instead of the full bench's minutes.
// Usage: npx tsx bench/src/round-trips.ts [runs]
import { createActivities, defaultActivityDeps } from '@airlock/activities';
import { ActionRequest, type GuardedActionInput } from '@airlock/core';
import { argsHash, deriveActionId } from '@airlock/core/hashing';
import { createDb } from '@airlock/db';
import { MockActivityEnvironment } from '@temporalio/testing';
import { benchPolicy } from './airlock/policy.js';
import { nextAgent, seedBench } from './airlock/worker.js';
import { readConfig } from './config.js';
import { nextId } from './ids.js';
import { createScratchDatabase } from './infra/database.js';
import { QueryCounter, type QueryStats } from './profile/query-counter.js';

const runs = Number(process.argv[2] ?? 20);
const scratch = await createScratchDatabase(readConfig([], process.env).pgUrl);
const db = createDb(scratch.url);
try {
  const counter = new QueryCounter();
  counter.attach(db);
  await seedBench(db);
  const acts = createActivities(defaultActivityDeps(db, benchPolicy()));
  type FastPath = Awaited<ReturnType<typeof acts.admitAndRun>>;
  const once = async () => {
    const key = nextId('rt');
    const request = ActionRequest.parse({ agentId: nextAgent(), tool: 'demo.echo', args: { message: key }, rationale: 'benchmark', idempotencyKey: key });
    const input: GuardedActionInput = { actionId: deriveActionId('bench-rt', request.agentId, key), argsHash: argsHash(request.args), request };
    const { run } = await new MockActivityEnvironment().run<[GuardedActionInput], FastPath, (i: GuardedActionInput) => Promise<FastPath>>((i) => acts.admitAndRun(i), input);
    if (!run || !('completed' in run) || run.completed.status !== 'executed') throw new Error('demo.echo did not run');
  };
  await once();
  counter.take();
  counter.enabled = true;
  for (let i = 0; i < runs; i++) await once();
  counter.enabled = false;
  const stats: QueryStats = counter.take();
  console.log(`auto-approved action (admitAndRun, demo.echo), per run over ${runs} runs: ${stats.count / runs} round trips, ${stats.statements / runs} statements`);
  for (const [kind, t] of Object.entries(stats.byKind)) console.log(`  ${kind}: ${t.count / runs} round trips, ${t.statements / runs} statements`);
} finally {
  await db.close();
  await scratch.drop();
}
