import { NewLocalUser, generateOneTimePassword, hashPassword, insertLocalUser, type IssuedPassword } from '@airlock/db/accounts';
import { rethrowAccountError } from '../errors.js';
import type { Operator } from '../operator.js';
import { defineUseCase, runUseCase, type OpsDeps } from '../use-case.js';

export const CreateUserInput = NewLocalUser.strict();

/**
 * A new console user with a one-time password (admin), shown once; they must
 * choose their own at the first sign-in. Hashed before the transaction opens
 * (argon2 is slow on purpose and locks should be short).
 */
export async function createUser(deps: OpsDeps, operator: Operator, raw: unknown): Promise<IssuedPassword> {
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  const useCase = defineUseCase({
    name: 'user.create',
    role: 'admin',
    input: CreateUserInput,
    async write(tx, input) {
      const user = await insertLocalUser(tx, input, passwordHash).catch(rethrowAccountError);
      return { result: { user, oneTimePassword }, audit: { type: 'user.created', payload: { userId: user.id, role: user.role, oneTimePassword: true } } };
    },
  });
  return runUseCase(deps, operator, useCase, raw);
}
