// PostgreSQL's CPU per auto-approved action (`admitAndRun` on demo.echo, outside Temporal, on a scratch database)
// with the hot path's statements prepared once per connection (`session`, the default) against the same statements
// inlined and so parsed and planned in every message (`inline`, for a transaction-mode pooler), in alternating blocks
// of one process: the baseline is measured in the same run. Backend CPU from /proc/<pid>/stat of the scratch
// database's backends (Linux, the same host as PostgreSQL).
// Usage: npx tsx bench/src/statements.ts [actions per block] [blocks per mode]
import { readFileSync } from 'node:fs';
import { createActivities, defaultActivityDeps } from '@airlock/activities';
import { ActionRequest, type GuardedActionInput } from '@airlock/core';
import { argsHash, deriveActionId } from '@airlock/core/hashing';
import { createDb, setStatementMode, type StatementMode } from '@airlock/db';
import { MockActivityEnvironment } from '@temporalio/testing';
import { highRiskEchoTool } from './airlock/high-tool.js';
import { benchPolicy } from './airlock/policy.js';
import { nextAgent, seedBench } from './airlock/worker.js';
import { readConfig } from './config.js';
import { nextId } from './ids.js';
import { createScratchDatabase } from './infra/database.js';
import { StartProbe } from './start-probe.js';

const perBlock = Number(process.argv[2] ?? 250);
const blocks = Number(process.argv[3] ?? 4);
const TICK_MS = 1000 / 100; // USER_HZ

const scratch = await createScratchDatabase(readConfig([], process.env).pgUrl);
const db = createDb(scratch.url, { poolSize: 2 });

/** utime + stime of a process, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}
const backends = async () => (await db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid);

interface Totals {
  actions: number;
  backendMs: number;
  nodeMs: number;
  wallMs: number;
}
const totals: Record<StatementMode, Totals> = { session: { actions: 0, backendMs: 0, nodeMs: 0, wallMs: 0 }, inline: { actions: 0, backendMs: 0, nodeMs: 0, wallMs: 0 } };

try {
  await seedBench(db);
  const acts = createActivities(defaultActivityDeps(db, benchPolicy(), [highRiskEchoTool(new StartProbe())]));
  const action = async () => {
    const key = nextId('st');
    const request = ActionRequest.parse({ agentId: nextAgent(), tool: 'demo.echo', args: { message: key }, rationale: 'benchmark', idempotencyKey: key });
    const input: GuardedActionInput = { actionId: deriveActionId('bench-st', request.agentId, key), argsHash: argsHash(request.args), request };
    type FastPath = Awaited<ReturnType<typeof acts.admitAndRun>>;
    const { run } = await new MockActivityEnvironment().run<[], FastPath, () => Promise<FastPath>>(() => acts.admitAndRun(input));
    if (!run || !('completed' in run) || run.completed.status !== 'executed') throw new Error('demo.echo did not run');
  };
  const block = async (mode: StatementMode, count: number, record: boolean) => {
    setStatementMode(mode);
    const pids = await backends();
    const before = pids.map(cpuMs);
    const node = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < count; i++) await action();
    const wallMs = performance.now() - started;
    const { user, system } = process.cpuUsage(node);
    const after = await backends();
    if (after.some((pid) => !pids.includes(pid))) throw new Error('a backend opened during the block: its CPU would be missed');
    if (!record) return;
    const t = totals[mode];
    t.actions += count;
    t.backendMs += pids.reduce((sum, pid, i) => sum + cpuMs(pid) - before[i]!, 0);
    t.nodeMs += (user + system) / 1000;
    t.wallMs += wallMs;
  };
  // Warm-up in both modes (each connection prepares what it sends, the JIT settles), then alternating blocks.
  await block('session', 100, false);
  await block('inline', 100, false);
  for (let i = 0; i < blocks; i++) for (const mode of i % 2 === 0 ? (['inline', 'session'] as const) : (['session', 'inline'] as const)) await block(mode, perBlock, true);

  const per = (t: Totals, key: 'backendMs' | 'nodeMs' | 'wallMs') => t[key] / t.actions;
  console.log(`\nPer auto-approved action (admitAndRun on demo.echo), ${blocks} blocks of ${perBlock} per mode, alternating:`);
  console.log('| statements | PostgreSQL backend CPU | Node CPU | wall |');
  console.log('|---|---|---|---|');
  for (const mode of ['inline', 'session'] as const) {
    const t = totals[mode];
    console.log(`| ${mode} | ${per(t, 'backendMs').toFixed(3)} ms | ${per(t, 'nodeMs').toFixed(3)} ms | ${per(t, 'wallMs').toFixed(3)} ms |`);
  }
  const ratio = (key: 'backendMs' | 'nodeMs' | 'wallMs') => (per(totals.session, key) / per(totals.inline, key)).toFixed(2);
  console.log(`| session / inline | ${ratio('backendMs')}x | ${ratio('nodeMs')}x | ${ratio('wallMs')}x |`);
} finally {
  setStatementMode('session');
  await db.close();
  await scratch.drop();
}
