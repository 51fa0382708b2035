import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { auditRowHash, countChainRowsByCopy, createDb, readChainChunks, readChainRows, verifyAuditChain, verifyCopySegment, type ChainRow, type Db } from '@airlock/db';
import { createScratchDatabase } from '../infra/database.js';
import type { Cleanup } from '../infra/cleanup.js';
import { loadAverage1m } from '../infra/machine.js';
import { median } from '../stats.js';
import { readChainRowsBySelect } from './select-reader.js';
import { seedAuditChain } from './seed.js';

export interface VerifyPass {
  /** Worker threads checking chunks beside the reading thread (0: checked on the reading thread). */
  threads: number;
  rowsPerSecond: number;
  seconds: number[];
  /** CPU time of this process (every thread) per row: what a run costs whatever else the machine does. */
  cpuMicrosPerRow: number;
  /** Largest heap seen on the main thread while verifying: streaming keeps it flat whatever the chain's length. */
  peakHeapMiB: number;
  /** Most rows held at once (read, queued or being checked). */
  peakBufferedRows: number;
}

export interface AuditBenchResults {
  rows: number;
  seedSeconds: number;
  /** verifyAuditChain end to end: on worker threads (one per core, what the CLI does), then on the reading thread alone. */
  verify: VerifyPass[];
  /** The ceiling: the verifier's own read (the same COPY and chunks), checking nothing. */
  copyRowsPerSecond: number;
  copyCpuMicrosPerRow: number;
  /** The baseline: the reader before COPY (a cursor FETCHed in pages of 5,000, text columns, JSON.parse of payloads), no hashing. */
  selectRowsPerSecond: number;
  /** Checking alone, on one thread: the verifier's check (verifyCopySegment) of COPY chunks already in memory. */
  checkRowsPerSecond: number;
  checkCpuMicrosPerRow: number;
  /** The general path alone: auditRowHash of rows already parsed into objects (what the check cost before it worked on bytes). */
  hashRowsPerSecond: number;
  tableMiB: number;
  /** 1-minute load average before and after the verification passes. */
  load: { start: number; end: number };
}

const RUNS = 3;

async function verifyPass(db: Db, rows: number, threads: number, log: (line: string) => void): Promise<VerifyPass> {
  let peakHeap = 0;
  let peakBufferedRows = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
  const seconds: number[] = [];
  const cpuBefore = process.cpuUsage();
  try {
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      const result = await verifyAuditChain(db, { threads, onReadFinish: (s) => (peakBufferedRows = Math.max(peakBufferedRows, s.peakBufferedRows)) });
      seconds.push((performance.now() - start) / 1000);
      if (!result.ok || result.checkedRows !== rows) throw new Error(`the seeded chain did not verify: ${JSON.stringify(result)}`);
      log(`audit: verify (${threads} threads) run ${run + 1}: ${rows} rows in ${seconds[run]!.toFixed(2)} s, load ${loadAverage1m().toFixed(1)}`);
    }
  } finally {
    clearInterval(sampler);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { threads, rowsPerSecond: rows / median(seconds), seconds, cpuMicrosPerRow: (cpu.user + cpu.system) / (RUNS * rows), peakHeapMiB: peakHeap / 2 ** 20, peakBufferedRows };
}

/** Rows per second through verifyAuditChain on a chain of `rows`, and where the time goes. */
export async function runAuditBench(pgUrl: string, rows: number, cleanup: Cleanup, log: (line: string) => void): Promise<AuditBenchResults> {
  const scratch = await createScratchDatabase(pgUrl);
  cleanup.add(`database ${scratch.name}`, () => scratch.drop());
  const db = createDb(scratch.url, { poolSize: 2 });
  cleanup.add('audit database pool', () => db.close());

  const seedStart = performance.now();
  await seedAuditChain(db, rows, log);
  await db.pool.query('VACUUM ANALYZE audit_events');
  const seedSeconds = (performance.now() - seedStart) / 1000;

  const loadStart = loadAverage1m();
  const verify = [await verifyPass(db, rows, availableParallelism(), log), await verifyPass(db, rows, 0, log)];

  // Reading alone: the verifier's read, checking nothing (the ceiling), then the previous reader (the baseline).
  const copySeconds: number[] = [];
  const copyCpu = process.cpuUsage();
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const read = await countChainRowsByCopy(db);
    copySeconds.push((performance.now() - start) / 1000);
    if (read !== rows) throw new Error(`the COPY reader saw ${read} rows, not ${rows}`);
  }
  const copyUsage = process.cpuUsage(copyCpu);
  const selectStart = performance.now();
  let selected = 0;
  for await (const batch of readChainRowsBySelect(db)) selected += batch.length;
  const selectSeconds = (performance.now() - selectStart) / 1000;
  if (selected !== rows) throw new Error(`the baseline reader saw ${selected} rows, not ${rows}`);
  const loadEnd = loadAverage1m();

  // Checking alone: the verifier's check of chunks already read, then the general path's hash of parsed rows.
  const chunks: Buffer[] = [];
  let chunkRows = 0;
  for await (const chunk of readChainChunks(db)) {
    if (chunkRows >= 50_000) continue;
    chunks.push(Buffer.from(chunk));
    chunkRows += 2000;
  }
  const checkCpu = process.cpuUsage();
  const checkStart = performance.now();
  let checked = 0;
  for (let run = 0; run < RUNS; run++) for (const chunk of chunks) checked += verifyCopySegment(chunk, undefined).checkedRows;
  const checkSeconds = (performance.now() - checkStart) / 1000;
  const checkUsage = process.cpuUsage(checkCpu);
  if (checked !== RUNS * Math.min(rows, chunkRows)) throw new Error(`check-only pass: ${checked} rows checked, not ${RUNS * Math.min(rows, chunkRows)}`);
  const sample: ChainRow[] = [];
  for await (const batch of readChainRows(db)) if (sample.length < 50_000) sample.push(...batch);
  const hashStart = performance.now();
  let matches = 0;
  for (const row of sample) if (auditRowHash(row as ChainRow & { hashVersion: 2 }) === row.hash) matches++;
  const hashSeconds = (performance.now() - hashStart) / 1000;
  if (matches !== sample.length) throw new Error(`hash-only pass: ${sample.length - matches} rows did not match`);

  const size = await db.pool.query<{ bytes: string }>("SELECT pg_total_relation_size('audit_events') AS bytes");
  return {
    rows,
    seedSeconds,
    verify,
    copyRowsPerSecond: rows / median(copySeconds),
    copyCpuMicrosPerRow: (copyUsage.user + copyUsage.system) / (RUNS * rows),
    selectRowsPerSecond: rows / selectSeconds,
    checkRowsPerSecond: checked / checkSeconds,
    checkCpuMicrosPerRow: (checkUsage.user + checkUsage.system) / checked,
    hashRowsPerSecond: sample.length / hashSeconds,
    tableMiB: Number(size.rows[0]?.bytes ?? 0) / 2 ** 20,
    load: { start: loadStart, end: loadEnd },
  };
}
