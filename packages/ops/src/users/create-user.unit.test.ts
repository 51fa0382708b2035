import { createHook } from 'node:async_hooks';
import { hashPassword } from '@airlock/db/accounts';
import type { Db } from '@airlock/db/client';
import { describe, expect, it } from 'vitest';
import { userOperator } from '../operator.js';
import { createUser } from './create-user.js';
import { resetPassword } from './reset-password.js';

/** The kinds of async resource Node creates while `run` is under way (argon2's native work is one of its own). */
async function resourcesDuring(run: () => Promise<unknown>): Promise<{ kinds: Set<string>; outcome: PromiseSettledResult<unknown> }> {
  const kinds = new Set<string>();
  const hook = createHook({ init: (_id, kind) => void kinds.add(kind) }).enable();
  try {
    const [outcome] = await Promise.allSettled([run()]);
    return { kinds, outcome };
  } finally {
    hook.disable();
  }
}

// Where the refusal's audit row would be written: reaching it is the role check refusing.
class RefusalAudited extends Error {}
const unreachableDb = new Proxy({} as Db, {
  get() {
    throw new RefusalAudited('the forbidden attempt is being audited');
  },
});

const viewer = userOperator({ id: 'victor', role: 'viewer' }, 'api');

describe('a password use case called by someone it refuses', () => {
  it.each([
    ['createUser', () => createUser({ db: unreachableDb }, viewer, { id: 'dana', email: 'dana@example.test', name: 'Dana', role: 'viewer' })],
    ['resetPassword', () => resetPassword({ db: unreachableDb }, viewer, { id: 'alice' })],
  ])('%s is refused before any password is hashed (argon2 is slow on purpose)', async (_name, call) => {
    const hashing = await resourcesDuring(() => hashPassword('calibration'));
    const argon2Work = [...hashing.kinds].filter((kind) => kind !== 'PROMISE');
    expect(argon2Work.length).toBeGreaterThan(0);

    const refused = await resourcesDuring(call);
    expect(refused.outcome).toMatchObject({ status: 'rejected', reason: expect.any(RefusalAudited) });
    expect(argon2Work.filter((kind) => refused.kinds.has(kind))).toEqual([]);
  });
});
