import { performance } from 'node:perf_hooks';
import { verifyAuditChain, type Db } from '@airlock/db';
import { generateDataSet } from './data-set.js';
import { seedAuditLog } from './seed-audit.js';
import { seedDirectory, seedHistory } from './seed-rows.js';

/**
 * Seeds the scratch database, then VACUUM ANALYZE: statistics and the
 * visibility map as autovacuum would leave them on a live system, so plans
 * (and index-only scans) are the ones production gets. Last, the product's own
 * verifyAuditChain walks the whole log: the seeded chain must verify like a real one.
 */
export async function seedConsoleData(
  db: Db,
  options: { pending: number; auditRows: number; days: number; seed: number; now: number },
  log: (line: string) => void,
): Promise<string> {
  const data = generateDataSet(options);
  log(`generated ${data.actions.length} actions and ${data.events.times.length} audit events`);
  const budgets = await seedDirectory(db.pool);
  await seedHistory(db.pool, data, budgets);
  log('actions, approvals, decisions and reservations inserted; hashing and inserting the audit chain…');
  await seedAuditLog(db.pool, data, (rows) => {
    if (rows % 100_000 === 0) log(`  ${rows} audit rows`);
  });
  log('VACUUM ANALYZE…');
  await db.pool.query('VACUUM ANALYZE');
  const started = performance.now();
  const chain = await verifyAuditChain(db);
  if (!chain.ok) throw new Error(`the seeded audit chain does not verify at seq ${chain.firstBrokenSeq}: ${chain.reason}`);
  return `audit chain verified by verifyAuditChain: ${chain.checkedRows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`;
}
