import { createUser, type Db } from '@airlock/db';
import { OpsError, changeRole, disableUser, runUseCase, userOperator, type Operator, type UseCase } from '@airlock/ops';
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
// Two CLI runs without --by: operators with no user row, so only the admin-removal lock orders them.
const cliOne: Operator = { actor: 'cli:one', userId: null, role: 'admin', channel: 'cli' };
const cliTwo: Operator = { actor: 'cli:two', userId: null, role: 'admin', channel: 'cli' };

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

type Refusal = { code: string; message: string | RegExp };

describe('two admins removing each other at once', () => {
  it.each([
    // Each admin's write holds their own user row to its commit (holdOperatorStanding): the second waits behind the
    // first's lock on it, then reads the change that took their admin away, and is refused for it (and audited).
    ['demote each other', ada, bea, demote, demote, { code: 'forbidden', message: 'role viewer may not do this; admin or higher is required (user.change_role)' }],
    ['disable each other', ada, bea, disable, disable, { code: 'forbidden', message: "bea's account is disabled (user.disable)" }],
    ['one demotes, the other disables', ada, bea, demote, disable, { code: 'forbidden', message: 'role viewer may not do this; admin or higher is required (user.disable)' }],
    // Operators with no user row: the admin-removal lock alone makes the second count what the first committed.
    ['two CLI runs demote one each', cliOne, cliTwo, demote, demote, { code: 'conflict', message: 'ada is the last active admin' }],
    ['two CLI runs disable one each', cliOne, cliTwo, disable, disable, { code: 'conflict', message: 'ada is the last active admin' }],
  ] as [string, Operator, Operator, Removal, Removal, Refusal][])(
    '%s: one change commits, the other is refused, and an admin remains',
    async (_name, firstBy, secondBy, [firstCase, firstInput], [secondCase, secondInput], refused) => {
      await createUser(db, { id: 'ada', role: 'admin' });
      await createUser(db, { id: 'bea', role: 'admin' });
      const chain = await holdChain(db);
      let first: Promise<unknown>;
      let second: Promise<unknown>;
      try {
        // The first change (of bea) has checked and written, and waits to append its audit row.
        first = runUseCase({ db }, firstBy, firstCase, firstInput('bea'));
        await untilChainWaiters(db, 1);
        // The second (of ada) runs until it waits too: on the chain (it counted bea as an admin) or behind the first change.
        second = runUseCase({ db }, secondBy, secondCase, secondInput('ada'));
        await untilLockWaiters(2);
      } finally {
        await chain.release();
      }
      const [firstResult, secondResult] = await Promise.allSettled([first, second]);
      expect(firstResult.status).toBe('fulfilled');
      expect(secondResult.status).toBe('rejected');
      const refusal = (secondResult as PromiseRejectedResult).reason as unknown;
      expect(refusal).toBeInstanceOf(OpsError);
      expect(refusal).toMatchObject(refused);
      expect(await activeAdmins()).toBe(1);
    },
  );
});
