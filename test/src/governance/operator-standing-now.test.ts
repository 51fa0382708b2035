import { createUser, type Db } from '@airlock/db';
import { OpsError, createAgent, runUseCase, userOperator } from '@airlock/ops';
import { describe, expect, it } from 'vitest';
import { useGovernanceDatabase } from './database.js';

// runUseCase checked the operator's role from the request's snapshot (a session, a key's lookup), outside the write's
// transaction: an admin demoted or disabled while their write ran still completed it. The write now reads their user
// row again, FOR SHARE, inside its transaction. The change is forced to commit while the write waits on that row (the
// change holds it until the test commits it), not timed.

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

const dana = userOperator({ id: 'dana', role: 'admin' }, 'console');

/** Whether a backend of this database waits for a lock (a database round trip a step, not a timer guess). */
async function someoneWaits(): Promise<boolean> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`,
  );
  return rows[0]!.n > 0;
}

/** Runs dana's createAgent while `change` to her user row is uncommitted, then commits the change; what the write answered. */
async function createWhile(change: string): Promise<PromiseSettledResult<unknown>> {
  await createUser(db, { id: 'dana', role: 'admin' });
  const other = await db.pool.connect();
  let settled: Promise<PromiseSettledResult<unknown>>;
  try {
    await other.query('BEGIN');
    await other.query(change);
    const write = runUseCase({ db }, dana, createAgent, { id: 'late-bot', team: 'ops' });
    settled = Promise.allSettled([write]).then(([result]) => result);
    // The write waits on dana's row, or (without the re-read) has already finished: either way, commit the change now.
    let done = false;
    void settled.then(() => (done = true));
    while (!done && !(await someoneWaits())) await new Promise((resolve) => setTimeout(resolve, 5));
    await other.query('COMMIT');
  } finally {
    other.release();
  }
  return settled;
}

async function refusalOf(result: PromiseSettledResult<unknown>): Promise<OpsError> {
  expect(result.status).toBe('rejected');
  const reason = (result as PromiseRejectedResult).reason as unknown;
  expect(reason).toBeInstanceOf(OpsError);
  return reason as OpsError;
}

const forbiddenRows = () => db.prisma.auditEvent.findMany({ where: { type: 'operator.forbidden', actor: 'user:dana' } });

describe('an admin write while the admin loses the role', () => {
  it('demoted before the write commits: refused as a viewer, audited, nothing created', async () => {
    const refusal = await refusalOf(await createWhile(`UPDATE users SET role = 'viewer' WHERE id = 'dana'`));
    expect(refusal).toMatchObject({ code: 'forbidden', message: 'role viewer may not do this; admin or higher is required (agent.create)' });
    expect(await db.prisma.agent.count({ where: { id: 'late-bot' } })).toBe(0);
    expect(await db.prisma.auditEvent.count({ where: { type: 'agent.created' } })).toBe(0);
    expect((await forbiddenRows()).map((e) => e.payload)).toEqual([{ action: 'agent.create', requiredRole: 'admin', role: 'viewer', channel: 'console' }]);
  });

  it('disabled before the write commits: refused, audited, nothing created', async () => {
    const refusal = await refusalOf(await createWhile(`UPDATE users SET disabled_at = now() WHERE id = 'dana'`));
    expect(refusal).toMatchObject({ code: 'forbidden', message: "dana's account is disabled (agent.create)" });
    expect(await db.prisma.agent.count({ where: { id: 'late-bot' } })).toBe(0);
    expect(await forbiddenRows()).toHaveLength(1);
  });

  it('a change that does not touch the role lets the write commit', async () => {
    expect(await createWhile(`UPDATE users SET name = 'Dana L.' WHERE id = 'dana'`)).toMatchObject({ status: 'fulfilled' });
    expect(await db.prisma.agent.count({ where: { id: 'late-bot' } })).toBe(1);
  });
});
