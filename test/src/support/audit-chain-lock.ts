import type { Db } from '@airlock/db';
import type pg from 'pg';

// The audit chain's advisory lock (prisma/src/audit/append.ts): every append takes it
// last in its transaction. Tests hold it by hand to stop appenders at a known point.
const AUDIT_CHAIN_LOCK = '7240110002';

/** Backends queued behind the audit chain's lock. */
async function chainWaiters(db: Db): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())
        AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
    [AUDIT_CHAIN_LOCK],
  );
  return rows[0]!.n;
}

/** Polls until `n` backends wait on the chain lock; each step is a database round trip, not a timer guess. */
export async function untilChainWaiters(db: Db, n: number): Promise<void> {
  while ((await chainWaiters(db)) < n) await new Promise((resolve) => setTimeout(resolve, 5));
}

export interface HeldChain {
  /** The holding transaction's connection, for what the test does while it holds the lock. */
  client: pg.PoolClient;
  /** Commits the holding transaction (and what it did), releasing the lock. */
  release(): Promise<void>;
}

/** Holds the audit chain's lock in a transaction of its own until `release` is called. */
export async function holdChain(db: Db): Promise<HeldChain> {
  const client = await db.pool.connect();
  await client.query('BEGIN');
  await client.query(`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK}::bigint)`);
  return {
    client,
    release: async () => {
      try {
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
  };
}
