import { generateOneTimePassword, hashPassword, resetPasswordIn, type IssuedPassword } from '@airlock/db/accounts';
import { z } from 'zod';
import { rethrowAccountError } from '../errors.js';
import type { Operator } from '../operator.js';
import { defineUseCase, requireRole, runUseCase, type OpsDeps } from '../use-case.js';

export const ResetPasswordInput = z.object({ id: z.string().trim().min(1, 'must name the user by id or email') }).strict();

const ACCESS = { name: 'user.reset_password', role: 'admin' } as const;

/**
 * A new one-time password for a user named by id or email (admin), shown once; every password
 * session of theirs ends and they must choose their own at the next sign-in. Hashed before the
 * transaction opens (argon2 is slow on purpose and locks should be short), and only once the
 * operator's role allows it: a refused caller never makes the server hash.
 */
export async function resetPassword(deps: OpsDeps, operator: Operator, raw: unknown): Promise<IssuedPassword> {
  await requireRole(deps, operator, ACCESS.role, ACCESS.name);
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  const useCase = defineUseCase({
    ...ACCESS,
    input: ResetPasswordInput,
    async write(tx, input) {
      const user = await resetPasswordIn(tx, input.id, passwordHash, 'id').catch(rethrowAccountError);
      return { result: { user, oneTimePassword }, audit: { type: 'user.password_reset', payload: { userId: user.id } } };
    },
  });
  return runUseCase(deps, operator, useCase, raw);
}
