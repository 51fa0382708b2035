import { Role } from '@airlock/core';
import { changeRole, disableUser } from '@airlock/ops/users';
import { runUseCase } from '@airlock/ops/use-case';
import { createUser, resetPassword } from '@airlock/ops/accounts';
import type { IssuedPassword } from '@airlock/db/accounts';
import { loadAccountsEnv } from './env.js';
import { CliError } from './cli-error.js';
import { cliOperator, withDb } from './runtime.js';

// `airlock users ...`: console accounts with one-time passwords, roles, disabling.

export interface AddUserOptions {
  email: string;
  role: string;
  name?: string;
  id?: string;
  by?: string;
}

export async function addUserCommand(options: AddUserOptions): Promise<string> {
  const { email, name, id } = options;
  const role = roleOption(options.role);
  const signInAt = signInPlace();
  return withDb(
    async (db) => {
      const issued = await createUser({ db }, await cliOperator(db, options.by), { email, role, ...(name === undefined ? {} : { name }), ...(id === undefined ? {} : { id }) });
      return describe(`created user ${issued.user.id} (${issued.user.email}, ${issued.user.role})`, issued, signInAt);
    },
    { id: '--id' },
  );
}

function roleOption(value: string): Role {
  const role = Role.safeParse(value);
  if (!role.success) throw new CliError(`--role: must be one of ${Role.options.join(', ')}`);
  return role.data;
}

export async function resetPasswordCommand(user: string, options: { by?: string }): Promise<string> {
  const signInAt = signInPlace();
  return withDb(
    async (db) => {
      const issued = await resetPassword({ db }, await cliOperator(db, options.by), { id: user });
      return describe(`reset the password of ${issued.user.id} (${issued.user.email}); their password sessions have ended`, issued, signInAt);
    },
    { id: '<user>' },
  );
}

export async function setRoleCommand(user: string, role: string, options: { by?: string }): Promise<string> {
  return withDb(async (db) => {
    const after = await runUseCase({ db }, await cliOperator(db, options.by), changeRole, { id: user, role: roleOption(role) });
    return `${after.id} is now ${after.role}`;
  });
}

export async function disableUserCommand(user: string, options: { reason: string; by?: string }): Promise<string> {
  return withDb(async (db) => {
    const result = await runUseCase({ db }, await cliOperator(db, options.by), disableUser, { id: user, reason: options.reason });
    return result.changed ? `disabled ${result.userId}; revoked ${result.revokedKeys} key(s); their sessions have ended` : `${result.userId} was already disabled`;
  });
}

/**
 * Where the person signs in, read before anything is written: a bad AIRLOCK_PUBLIC_URL read after
 * the write left a user created (or a password reset) whose one-time password was never shown.
 */
function signInPlace(): string {
  const env = loadAccountsEnv();
  return env.AIRLOCK_PUBLIC_URL ? `at ${new URL('/sign-in', env.AIRLOCK_PUBLIC_URL).href}` : 'on the console’s sign-in page';
}

function describe(headline: string, issued: IssuedPassword, signInAt: string): string {
  return [
    headline,
    `one-time password: ${issued.oneTimePassword}`,
    `Shown only once; only its hash is stored. ${issued.user.email} signs in with it ${signInAt} and must then choose their own password.`,
  ].join('\n');
}
