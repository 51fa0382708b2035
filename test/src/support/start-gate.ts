import { closeStartGate, inTransaction, type Db } from '@airlock/db';

/** Advisory locks someone waits for in this test's database (another file's database has its own). */
export async function waitingAdvisoryLocks(db: Db): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows[0]!.n;
}

/**
 * A kill switch on `agentId` in the middle of its commit: once this resolves it
 * holds the start gate exclusively, and it commits when `commit()` is called.
 * Call `commit()` in a `finally`: a held gate would stall every later switch.
 */
export async function switchMidCommit(db: Db, agentId: string, reason: string): Promise<{ commit(): Promise<void> }> {
  let mayCommit!: () => void;
  const commitAllowed = new Promise<void>((resolve) => (mayCommit = resolve));
  let gateClosed!: () => void;
  const closed = new Promise<void>((resolve) => (gateClosed = resolve));
  const switching = inTransaction(db, async (client) => {
    await closeStartGate(client);
    gateClosed();
    await commitAllowed;
    await client.query(`INSERT INTO kill_switches (id, scope, target, reason, created_by) VALUES (gen_random_uuid()::text, 'agent', $1, $2, 'bob')`, [agentId, reason]);
  });
  await Promise.race([closed, switching]);
  return {
    async commit() {
      mayCommit();
      await switching;
    },
  };
}
