import { createUser, type Db } from '@airlock/db';
import { OpsError, changeRole, disableUser, runUseCase, userOperator, type UseCase } from '@airlock/ops';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { holdChain, untilChainWaiters } from '../support/audit-chain-lock.js';
import { useGovernanceDatabase } from './database.js';

// Two admins, each taking the other's admin away at the same moment, must not leave the tenant without one.
// Each use case counted the other admin as remaining while that admin's own change was not yet committed.
// The moment is forced, not timed: the audit chain's lock (every use case's last step) is held while
// the first one gets to it, then the second starts and runs until it waits on a lock of its own.

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

const ada = userOperator({ id: 'ada', role: 'admin' }, 'console');
const bea = userOperator({ id: 'bea', role: 'admin' }, 'console');

/** Backends of this database waiting for a lock (any kind): each step is a database round trip, not a timer guess. */
async function untilLockWaiters(n: number): Promise<void> {
  for (;;) {
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(DISTINCT pid)::int AS n FROM pg_locks WHERE NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`,
    );
    if (rows[0]!.n >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const activeAdmins = async () => db.prisma.user.count({ where: { role: 'admin', disabledAt: null } });

type Removal = [UseCase<z.ZodType, unknown>, (id: string) => unknown];
const demote: Removal = [changeRole, (id) => ({ id, role: 'viewer' })];
const disable: Removal = [disableUser, (id) => ({ id, reason: 'left the team' })];

describe('two admins removing each other at once', () => {
  it.each([
    ['demote each other', demote, demote],
    ['disable each other', disable, disable],
    ['one demotes, the other disables', demote, disable],
  ])('%s: one change commits, the other is refused as a conflict, and an admin remains', async (_name, [firstCase, firstInput], [secondCase, secondInput]) => {
    await createUser(db, { id: 'ada', role: 'admin' });
    await createUser(db, { id: 'bea', role: 'admin' });
    const chain = await holdChain(db);
    let first: Promise<unknown>;
    let second: Promise<unknown>;
    try {
      // Ada's change has checked and written, and waits to append its audit row.
      first = runUseCase({ db }, ada, firstCase, firstInput('bea'));
      await untilChainWaiters(db, 1);
      // Bea's change runs until it waits too: on the chain (it counted Ada as an admin) or behind Ada's change.
      second = runUseCase({ db }, bea, secondCase, secondInput('ada'));
      await untilLockWaiters(2);
    } finally {
      await chain.release();
    }
    const [firstResult, secondResult] = await Promise.allSettled([first, second]);
    expect(firstResult.status).toBe('fulfilled');
    expect(secondResult.status).toBe('rejected');
    const refusal = (secondResult as PromiseRejectedResult).reason as unknown;
    expect(refusal).toBeInstanceOf(OpsError);
    expect(refusal).toMatchObject({ code: 'conflict', message: 'ada is the last active admin' });
    expect(await activeAdmins()).toBe(1);
  });
});
