import { NewLocalUser, generateOneTimePassword, hashPassword, insertLocalUser, type IssuedPassword } from '@airlock/db/accounts';
import { rethrowAccountError } from '../errors.js';
import type { Operator } from '../operator.js';
import { defineUseCase, requireRole, runUseCase, type OpsDeps } from '../use-case.js';

export const CreateUserInput = NewLocalUser.strict();

const ACCESS = { name: 'user.create', role: 'admin' } as const;

/**
 * A new console user with a one-time password (admin), shown once; they must
 * choose their own at the first sign-in. Hashed before the transaction opens
 * (argon2 is slow on purpose and locks should be short), and only once the
 * operator's role allows it: a refused caller never makes the server hash.
 */
export async function createUser(deps: OpsDeps, operator: Operator, raw: unknown): Promise<IssuedPassword> {
  await requireRole(deps, operator, ACCESS.role, ACCESS.name);
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  const useCase = defineUseCase({
    ...ACCESS,
    input: CreateUserInput,
    async write(tx, input) {
      const user = await insertLocalUser(tx, input, passwordHash).catch(rethrowAccountError);
      return { result: { user, oneTimePassword }, audit: { type: 'user.created', payload: { userId: user.id, role: user.role, oneTimePassword: true } } };
    },
  });
  return runUseCase(deps, operator, useCase, raw);
}
