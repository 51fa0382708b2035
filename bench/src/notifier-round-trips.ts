// Database round trips per auto-approved action (demo.echo, through Temporal) without
// and then with the Slack app running: what the notifier, which follows the audit log,
// costs the database for actions that never wait for people (bench/HISTORY.md, "4 Dec
// 2026, 17:52–19:38 UTC"). Counts, not timings: the figure does not depend on the machine.
// Usage: npx tsx bench/src/notifier-round-trips.ts [runs]
import { randomBytes } from 'node:crypto';
import { createDb } from '@airlock/db';
import { benchPolicy } from './airlock/policy.js';
import { createBenchAirlockWorker, seedBench } from './airlock/worker.js';
import { readConfig } from './config.js';
import { startSlackDecisions } from './decision/slack.js';
import { Cleanup } from './infra/cleanup.js';
import { createScratchDatabase } from './infra/database.js';
import { EAGER_ACTIVITY_ARGS, FAST_DISPATCH_ARGS, startTemporal } from './infra/temporal.js';
import { runInBackground } from './infra/workers.js';
import { QueryCounter } from './profile/query-counter.js';
import { StartProbe } from './start-probe.js';
import { guardedRun } from './workloads.js';

const runs = Number(process.argv[2] ?? 200);
const cleanup = new Cleanup((line: string) => process.stderr.write(`${line}\n`));
try {
  const config = readConfig([], process.env);
  const temporal = await startTemporal(config.temporalCli, [...FAST_DISPATCH_ARGS, ...EAGER_ACTIVITY_ARGS]);
  cleanup.add('temporal', () => temporal.teardown());
  const scratch = await createScratchDatabase(config.pgUrl);
  cleanup.add('db', () => scratch.drop());
  const db = createDb(scratch.url);
  cleanup.add('pool', () => db.close());
  const counter = new QueryCounter();
  counter.attach(db);
  await seedBench(db);
  const queue = `notifier-rt-${randomBytes(3).toString('hex')}`;
  const airlock = await createBenchAirlockWorker(temporal.connection, queue, db, benchPolicy(), new StartProbe());
  const w = runInBackground(airlock.worker);
  cleanup.add('worker', () => w.stop());
  const run = guardedRun(temporal.client, queue);
  const measure = async (label: string) => {
    for (let i = 0; i < 20; i++) await run();
    // The notifier's reads of the warm-up's events end before the count starts, and those of the counted actions before it stops.
    await new Promise((r) => setTimeout(r, 1000));
    counter.take();
    const syncs = async () => Number((await db.pool.query<{ n: string }>('SELECT wal_sync::text AS n FROM pg_stat_wal')).rows[0]!.n);
    const syncsBefore = await syncs();
    counter.enabled = true;
    for (let i = 0; i < runs; i++) await run();
    await new Promise((r) => setTimeout(r, 1000));
    counter.enabled = false;
    const s = counter.take();
    const flushes = (await syncs()) - syncsBefore;
    console.log(`${label}: ${(s.count / runs).toFixed(2)} round trips and ${(flushes / runs).toFixed(2)} WAL flushes (pg_stat_wal, the whole server) per auto-approved action`);
    for (const [k, t] of Object.entries(s.byKind)
      .sort((a, b) => b[1].count - a[1].count)
      .slice(0, 8))
      console.log(`   ${(t.count / runs).toFixed(2)} ${k}`);
  };
  await measure('without Slack');
  const slack = await startSlackDecisions(db, scratch.url, temporal.client);
  cleanup.add('slack', () => slack.stop());
  await measure('with the Slack app');
} finally {
  await cleanup.run();
}
