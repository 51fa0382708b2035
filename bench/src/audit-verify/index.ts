import { performance } from 'node:perf_hooks';
import { AUDIT_COLUMNS, auditRowHash, createDb, verifyAuditChain, type AuditRow } from '@airlock/db';
import { createScratchDatabase } from '../infra/database.js';
import type { Cleanup } from '../infra/cleanup.js';
import { median } from '../stats.js';
import { seedAuditChain } from './seed.js';

export interface AuditBenchResults {
  rows: number;
  seedSeconds: number;
  /** verifyAuditChain, end to end (median of the runs). */
  verifyRowsPerSecond: number;
  verifySeconds: number[];
  /** The same batched SELECTs with no hashing: what reading costs. */
  fetchRowsPerSecond: number;
  /** Hashing rows already in memory: what checking costs. */
  hashRowsPerSecond: number;
  tableMiB: number;
}


const RUNS = 3;
const BATCH = 5_000;

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

  const verifySeconds: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const result = await verifyAuditChain(db);
    verifySeconds.push((performance.now() - start) / 1000);
    if (!result.ok || result.checkedRows !== rows) throw new Error(`the seeded chain did not verify: ${JSON.stringify(result)}`);
    log(`audit: verify run ${run + 1}: ${rows} rows in ${verifySeconds[run]!.toFixed(2)} s`);
  }

  // Reading alone: the verifier's own query and batch size.
  const fetchStart = performance.now();
  const sample: AuditRow[] = [];
  for (let after = '0'; ; ) {
    const { rows: batch } = await db.pool.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq ASC LIMIT $2`,
      [after, BATCH],
    );
    if (sample.length < 50_000) sample.push(...batch);
    if (batch.length < BATCH) break;
    after = batch[batch.length - 1]!.seq;
  }
  const fetchSeconds = (performance.now() - fetchStart) / 1000;

  // Checking alone: the hash of rows already in memory.
  const hashStart = performance.now();
  let matches = 0;
  for (const r of sample) {
    const hash = auditRowHash({ eventKey: r.event_key, actionId: r.action_id, type: r.type, actor: r.actor, payload: r.payload, createdAt: r.created_at, prevHash: r.prev_hash });
    if (hash === r.hash) matches++;
  }
  const hashSeconds = (performance.now() - hashStart) / 1000;
  if (matches !== sample.length) throw new Error(`hash-only pass: ${sample.length - matches} rows did not match`);

  const size = await db.pool.query<{ bytes: string }>("SELECT pg_total_relation_size('audit_events') AS bytes");
  return {
    rows,
    seedSeconds,
    verifyRowsPerSecond: rows / median(verifySeconds),
    verifySeconds,
    fetchRowsPerSecond: rows / fetchSeconds,
    hashRowsPerSecond: sample.length / hashSeconds,
    tableMiB: Number(size.rows[0]?.bytes ?? 0) / 2 ** 20,
  };
}
