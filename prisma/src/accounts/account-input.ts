import { Role } from '@airlock/core/risk';
import { z } from 'zod';

// What people type when accounts are made or passwords chosen, checked the same way by the console and the CLI.

/** Stored lower-case: sign-in matches addresses case-insensitively, so two users may not differ by case alone. */
export const AccountEmail = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an email address'))
  .transform((email) => email.toLowerCase());

export const UserId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 lower-case letters, digits, . _ or -, starting with a letter or digit');

// Length is what makes a password strong; argon2 takes any bytes, the cap only bounds the work per attempt.
export const NewPassword = z.string().min(12, 'must be at least 12 characters').max(256, 'must be at most 256 characters');

export const NewLocalUser = z.object({
  email: AccountEmail,
  role: Role,
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  id: UserId.optional(),
});
export type NewLocalUser = z.input<typeof NewLocalUser>;

export interface AccountIssue {
  path: string;
  message: string;
}

/** A refusal whose message is safe to show as it is: bad input (`issues` name the fields), a clash with another user, or no such user. */
export class AccountError extends Error {
  override name = 'AccountError';
  constructor(
    readonly kind: 'invalid' | 'conflict' | 'not_found',
    message: string,
    readonly issues: AccountIssue[] = [],
  ) {
    super(message);
  }
}

export function parseAccountInput<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  throw new AccountError('invalid', issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), issues);
}
