import { createDb, type Db } from '@airlock/db';
import { afterEach, beforeEach } from 'vitest';
import { createTestDatabase } from '../support/database.js';

/**
 * A fresh migrated database and a pool wide enough (20) that concurrent calls
 * really contend inside PostgreSQL rather than queue in the pool.
 */
export async function governanceDatabase(poolSize = 20): Promise<{ db: Db; drop: () => Promise<void> }> {
  const test = await createTestDatabase();
  const db = createDb(test.url, { poolSize });
  return {
    db,
    drop: async () => {
      await closeFully(db);
      await test.drop();
    },
  };
}

/**
 * A fresh governance database for each test of the file, handed to `use` before the test and dropped after it:
 * `let db: Db; useGovernanceDatabase((fresh) => (db = fresh));`.
 */
export function useGovernanceDatabase(use: (db: Db) => void): void {
  let drop: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const fresh = await governanceDatabase();
    drop = fresh.drop;
    use(fresh.db);
  });
  afterEach(async () => {
    await drop?.();
    drop = undefined;
  });
}

/**
 * pg's pool.end() resolves before its connections have closed; dropping the
 * database WITH (FORCE) in that gap terminates them and the pool raises an
 * unhandled 57P01. Waiting for every 'remove' closes that gap.
 */
async function closeFully(db: Db): Promise<void> {
  let open = db.pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    db.pool.on('remove', () => {
      open -= 1;
      if (open === 0) resolve();
    });
  });
  await db.close();
  await closed;
}
