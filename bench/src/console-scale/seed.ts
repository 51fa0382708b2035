import type { Db } from '@airlock/db';
import { generateDataSet } from './data-set.js';
import { seedAuditLog } from './seed-audit.js';
import { seedDirectory, seedHistory } from './seed-rows.js';

/**
 * Seeds the scratch database, then VACUUM ANALYZE: statistics and the
 * visibility map as autovacuum would leave them on a live system, so plans
 * (and index-only scans) are the ones production gets.
 */
export async function seedConsoleData(db: Db, options: { pending: number; auditRows: number; days: number; seed: number; now: number }, log: (line: string) => void): Promise<void> {
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
}
