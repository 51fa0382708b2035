import { userInfo } from 'node:os';
import { Role } from '@airlock/core';
import { createDb } from '@airlock/db';
import { AccountError, createLocalUser, issueOneTimePassword, type IssuedPassword } from '@airlock/db/accounts';
import { loadAccountsEnv } from './env.js';
import { CliError } from './policy-commands.js';

// `airlock users ...`: console accounts with one-time passwords, for people the first-start admin invites.

export interface AddUserOptions {
  email: string;
  role: string;
  name?: string;
  id?: string;
  by?: string;
}

const OPTION_OF_FIELD: Record<string, string> = { email: '--email', role: '--role', name: '--name', id: '--id' };

export async function addUserCommand(options: AddUserOptions): Promise<string> {
  const { email, name, id } = options;
  const role = Role.safeParse(options.role);
  if (!role.success) throw new CliError(`--role: must be one of ${Role.options.join(', ')}`);
  return withAccounts(async (db, signInAt) => {
    const issued = await createLocalUser(db, { email, role: role.data, ...(name === undefined ? {} : { name }), ...(id === undefined ? {} : { id }) }, actorOf(options.by));
    return describe(`created user ${issued.user.id} (${issued.user.email}, ${issued.user.role})`, issued, signInAt);
  });
}

export async function resetPasswordCommand(user: string, options: { by?: string }): Promise<string> {
  return withAccounts(async (db, signInAt) => {
    const issued = await issueOneTimePassword(db, user, actorOf(options.by));
    return describe(`reset the password of ${issued.user.id} (${issued.user.email}); their password sessions have ended`, issued, signInAt);
  });
}

/** The audit actor: the person named with --by, else the operating-system account running the CLI. */
function actorOf(by: string | undefined): string {
  if (by !== undefined) {
    if (!by.trim()) throw new CliError('--by: must name who is doing this');
    return `user:${by.trim()}`;
  }
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No passwd entry (some containers): still say it came from the CLI.
    return 'cli:unknown';
  }
}

function describe(headline: string, issued: IssuedPassword, signInAt: string): string {
  return [
    headline,
    `one-time password: ${issued.oneTimePassword}`,
    `Shown only once; only its hash is stored. ${issued.user.email} signs in with it ${signInAt} and must then choose their own password.`,
  ].join('\n');
}

async function withAccounts(work: (db: ReturnType<typeof createDb>, signInAt: string) => Promise<string>): Promise<string> {
  const env = loadAccountsEnv();
  const db = createDb(env.DATABASE_URL, { poolSize: 2 });
  try {
    return await work(db, env.AIRLOCK_PUBLIC_URL ? `at ${new URL('/sign-in', env.AIRLOCK_PUBLIC_URL).href}` : 'on the console’s sign-in page');
  } catch (error) {
    if (error instanceof AccountError) throw new CliError(cliMessage(error));
    throw error;
  } finally {
    await db.close();
  }
}

/** Field paths become the options a person typed: `--email: must be an email address`. */
function cliMessage(error: AccountError): string {
  if (error.kind !== 'invalid' || error.issues.some((issue) => !OPTION_OF_FIELD[issue.path])) return error.message;
  return error.issues.map((issue) => `${OPTION_OF_FIELD[issue.path]}: ${issue.message}`).join('; ');
}
