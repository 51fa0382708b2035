import { performance } from 'node:perf_hooks';
import { auditRowHash, createDb, readChainRows, verifyAuditChain, type ChainRow } from '@airlock/db';
import { createScratchDatabase } from '../infra/database.js';
import type { Cleanup } from '../infra/cleanup.js';
import { median } from '../stats.js';
import { readChainRowsBySelect } from './select-reader.js';
import { seedAuditChain } from './seed.js';

export interface AuditBenchResults {
  rows: number;
  seedSeconds: number;
  /** verifyAuditChain, end to end (median of the runs). */
  verifyRowsPerSecond: number;
  verifySeconds: number[];
  /** CPU time of this process per row while verifying (user + system): what a run costs whatever else the machine does. */
  verifyCpuMicrosPerRow: number;
  /** The baseline: the previous reader (a cursor FETCHed in pages of 5,000, text columns, JSON.parse of payloads), no hashing. */
  selectRowsPerSecond: number;
  /** The verifier's own reader (COPY TO STDOUT, JSON.parse of payloads) with no hashing. */
  copyRowsPerSecond: number;
  /** Hashing rows already in memory: what checking costs. */
  hashRowsPerSecond: number;
  /** Largest heap seen while verifying: streaming keeps it flat whatever the chain's length. */
  peakHeapMiB: number;
  tableMiB: number;
}

const RUNS = 3;

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

  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
  const verifySeconds: number[] = [];
  const cpuBefore = process.cpuUsage();
  try {
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      const result = await verifyAuditChain(db);
      verifySeconds.push((performance.now() - start) / 1000);
      if (!result.ok || result.checkedRows !== rows) throw new Error(`the seeded chain did not verify: ${JSON.stringify(result)}`);
      log(`audit: verify run ${run + 1}: ${rows} rows in ${verifySeconds[run]!.toFixed(2)} s`);
    }
  } finally {
    clearInterval(sampler);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const verifyCpuMicrosPerRow = (cpu.user + cpu.system) / (RUNS * rows);

  // Reading alone, through the previous reader (the baseline) and the verifier's own; keeps a sample to hash below.
  const selectStart = performance.now();
  let selected = 0;
  for await (const batch of readChainRowsBySelect(db)) selected += batch.length;
  const selectSeconds = (performance.now() - selectStart) / 1000;
  const copyStart = performance.now();
  const sample: ChainRow[] = [];
  for await (const batch of readChainRows(db)) if (sample.length < 50_000) sample.push(...batch);
  const copySeconds = (performance.now() - copyStart) / 1000;
  if (selected !== rows) throw new Error(`the baseline reader saw ${selected} rows, not ${rows}`);

  // Checking alone: the hash of rows already in memory.
  const hashStart = performance.now();
  let matches = 0;
  for (const row of sample) if (auditRowHash(row as ChainRow & { hashVersion: 2 }) === row.hash) matches++;
  const hashSeconds = (performance.now() - hashStart) / 1000;
  if (matches !== sample.length) throw new Error(`hash-only pass: ${sample.length - matches} rows did not match`);

  const size = await db.pool.query<{ bytes: string }>("SELECT pg_total_relation_size('audit_events') AS bytes");
  return {
    rows,
    seedSeconds,
    verifyRowsPerSecond: rows / median(verifySeconds),
    verifySeconds,
    verifyCpuMicrosPerRow,
    selectRowsPerSecond: rows / selectSeconds,
    copyRowsPerSecond: rows / copySeconds,
    hashRowsPerSecond: sample.length / hashSeconds,
    peakHeapMiB: peakHeap / 2 ** 20,
    tableMiB: Number(size.rows[0]?.bytes ?? 0) / 2 ** 20,
  };
}
