import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createApiKey, createDb, migrate, type Db } from '@airlock/db';
import { AGENTS } from './console-scale/data-set.js';
import { ensureConsoleBuilt, startConsole } from './console-scale/console-server.js';
import { processTree } from './console-scale/cpu.js';
import { measureProbes } from './console-scale/measure.js';
import { measureReportCost } from './console-scale/report-cost.js';
import { consoleProbes } from './console-scale/probes.js';
import { seedConsoleData } from './console-scale/seed.js';
import { signIn } from './console-scale/session.js';
import { Cleanup } from './infra/cleanup.js';
import { createScratchDatabase } from './infra/database.js';
import { percentile } from './stats.js';
import { f1, table } from './table.js';

// The console at scale: a fresh database with 10,000 pending approvals and
// 1,000,000 hash-chained audit rows, the built console (`next start`), and the
// server response time of each page and REST list it serves.
//
//   npm run bench:console [-- --requests=200 --warmup=20 --pending=10000 --audit-rows=1000000 --days=30 --keep]
//   npm run bench:console -- --database-url=postgresql://…/airlock_bench_xxx   (reuse a kept, seeded database)
//
// It prints figures and exits 0; it fails only when a request does not answer 200 with the page expected.

const TARGET_P95_MS = 150;

interface Options {
  requests: number;
  warmup: number;
  pending: number;
  auditRows: number;
  days: number;
  keep: boolean;
  databaseUrl: string | undefined;
  pgUrl: string;
}

function readOptions(argv: readonly string[]): Options {
  const flag = (name: string) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const count = (name: string, fallback: number) => {
    const raw = flag(name)?.split('=')[1];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
    return value;
  };
  return {
    requests: count('requests', 200),
    warmup: count('warmup', 20),
    pending: count('pending', 10_000),
    auditRows: count('audit-rows', 1_000_000),
    days: count('days', 30),
    keep: flag('keep') !== undefined,
    databaseUrl: flag('database-url')?.slice('--database-url='.length),
    pgUrl: process.env.AIRLOCK_BENCH_PG_URL ?? process.env.AIRLOCK_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  };
}

async function cpuModel(): Promise<string> {
  const text = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  return /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? 'unknown';
}

async function describeDatabase(db: Db): Promise<string> {
  const { rows } = await db.pool.query<{ version: string; size: string; audit: string; pending: string; actions: string }>(`
    SELECT current_setting('server_version') AS version, pg_size_pretty(pg_database_size(current_database())) AS size,
           (SELECT count(*) FROM audit_events)::text AS audit, (SELECT count(*) FROM approvals WHERE status = 'open')::text AS pending,
           (SELECT count(*) FROM actions)::text AS actions`);
  const r = rows[0]!;
  return `PostgreSQL ${r.version}; ${r.audit} audit rows, ${r.pending} pending approvals, ${r.actions} actions; database ${r.size}`;
}

/** Cursors and filters that exist in this data set: a seq 95 % of the way back, one in the middle, a day a week ago, the least active agent. */
async function probeInputs(db: Db) {
  const { rows } = await db.pool.query<{ max: string }>('SELECT max(seq)::text AS max FROM audit_events');
  const max = Number(rows[0]?.max ?? 0);
  const day = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  return { deepSeq: Math.max(1, Math.round(max * 0.05)), middleSeq: Math.round(max / 2), rangeFrom: `${day}T00:00`, rangeTo: `${day}T23:59`, rareAgent: AGENTS.at(-1)!.id };
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  const log = (line: string) => console.error(line);
  const cleanup = new Cleanup(log);
  cleanup.onSignals();
  const loadAtStart = os.loadavg()[0] ?? Number.NaN;
  try {
    const built = ensureConsoleBuilt(log);
    let url = options.databaseUrl;
    if (!url) {
      const scratch = await createScratchDatabase(options.pgUrl);
      url = scratch.url;
      if (options.keep) log(`keeping the database: --database-url=${scratch.url}`);
      else cleanup.add(`drop ${scratch.name}`, () => scratch.drop());
    } else {
      await migrate(url);
    }
    const db = createDb(url, { poolSize: 4 });
    cleanup.add('close the pool', () => db.close());
    let chain = 'audit chain: reused database, not verified in this run';
    if (!options.databaseUrl) {
      const started = performance.now();
      chain = await seedConsoleData(db, { pending: options.pending, auditRows: options.auditRows, days: options.days, seed: 42, now: Date.now() }, log);
      log(`seeded and verified in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    const apiKey = (await createApiKey(db, { userId: 'bench-admin' }, `bench ${new Date().toISOString()}`)).key;
    await built;
    const app = await startConsole(url);
    cleanup.add('stop the console', () => app.stop());
    const cookie = await signIn(app.url, apiKey);
    const probes = consoleProbes(await probeInputs(db));
    log(`measuring ${probes.length} requests × ${options.requests} (+${options.warmup} warm-up), one at a time…`);
    const watched = async () => ({
      console: app.pid ? await processTree(app.pid) : [],
      postgres: (await db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows.map((r) => r.pid),
    });
    const results = await measureProbes(
      app.url,
      probes,
      { cookie, apiKey },
      {
        warmup: options.warmup,
        requests: options.requests,
        watched,
        onRound: (round) => {
          if ((round + 1) % 50 === 0) log(`  round ${round + 1}`);
        },
      },
    );
    const rows = results.map(({ probe, samples, bytes, consoleCpuMs, postgresCpuMs }) => {
      const sorted = [...samples].sort((a, b) => a - b);
      const p95 = percentile(sorted, 95);
      const perRequest = (ms: number) => f1(ms / Math.max(1, samples.length));
      return [
        probe.name,
        f1(percentile(sorted, 50)),
        f1(p95),
        f1(percentile(sorted, 99)),
        f1(sorted.at(-1) ?? Number.NaN),
        perRequest(consoleCpuMs),
        perRequest(postgresCpuMs),
        `${(bytes / 1024).toFixed(0)} KiB`,
        p95 < TARGET_P95_MS ? 'yes' : 'NO',
      ];
    });
    console.log(`# Console at scale (${new Date().toISOString().slice(0, 16)} UTC)`);
    console.log(`machine: ${os.availableParallelism()} CPUs (${await cpuModel()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);
    console.log(`data: ${await describeDatabase(db)}`);
    console.log(chain);
    console.log(`load average (1 min): ${loadAtStart.toFixed(1)} at start, ${(os.loadavg()[0] ?? Number.NaN).toFixed(1)} at the end`);
    console.log(`${options.requests} requests per row, sequential, after ${options.warmup} warm-up rounds; ms from sending the request to the last byte;`);
    console.log('CPU: ms of CPU time per request in the console (next start) and in its PostgreSQL backends, from /proc (10 ms ticks, averaged)\n');
    console.log(table(['request', 'p50', 'p95', 'p99', 'max', 'CPU console', 'CPU pg', 'size', `p95 < ${TARGET_P95_MS}`], rows));
    const costs = await measureReportCost(db, 10);
    console.log('\nAnalytics report without the cache (what a page waits for when its report is older than 5 minutes), 10 runs each:\n');
    console.log(
      table(
        ['window', 'p50 ms', 'max ms', 'CPU pg ms'],
        costs.map((c) => [c.window, f1(c.p50), f1(c.max), f1(c.postgresCpuMs)]),
      ),
    );
  } finally {
    await cleanup.run();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
