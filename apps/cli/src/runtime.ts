import { userInfo } from 'node:os';
import { createDb, type Db } from '@airlock/db/client';
import { assertMigrated, NotMigratedError } from '@airlock/db/migrated';
import { OpsError, operatorForUser, type Operator } from '@airlock/ops/operators';
import { CliError } from './cli-error.js';
import { loadDbEnv } from './env.js';

// What every operational command shares: a database (Temporal, for the few that need it, is temporal.ts), the
// operator it acts as, and use-case refusals turned into messages naming the option.

/** `options` renames fields for this command (`{ id: '--id' }` where the id is an option, not an argument). */
export async function withDb<T>(fn: (db: Db) => Promise<T>, options: Record<string, string> = {}): Promise<T> {
  const env = loadDbEnv();
  const db = createDb(env.DATABASE_URL, { poolSize: 2, statements: env.AIRLOCK_DB_STATEMENTS });
  try {
    await usableDatabase(db, env.DATABASE_URL);
    return await fn(db);
  } catch (error) {
    throw cliErrorOf(error, options);
  } finally {
    await db.close();
  }
}

/**
 * Before a command reads or writes: the database answers and holds this build's schema. Otherwise
 * one line naming the server (never the password) or the migration to run, where a command would
 * have failed on its first table with a driver's or Prisma's message.
 */
async function usableDatabase(db: Db, url: string): Promise<void> {
  try {
    await assertMigrated(db);
  } catch (error) {
    if (error instanceof NotMigratedError) throw new CliError(error.message);
    const { hostname, port, pathname } = new URL(url);
    throw new CliError(`cannot use the database at ${hostname}:${port || 5432}${pathname} (DATABASE_URL): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Who the command acts as: the person named with --by (an active user; their role
 * applies), else the operating-system account as an admin — whoever holds
 * DATABASE_URL can change anything anyway, and the audit row says it came from the CLI.
 */
export async function cliOperator(db: Db, by: string | undefined): Promise<Operator> {
  if (by !== undefined) {
    if (!by.trim()) throw new CliError('--by: must name who is doing this');
    return operatorForUser(db, by.trim(), 'cli');
  }
  return { actor: `cli:${osAccount()}`, userId: null, role: 'admin', channel: 'cli' };
}

function osAccount(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): still say it came from the CLI.
    return 'unknown';
  }
}

/** Input fields as the options a person typed. */
const OPTION_OF_FIELD: Record<string, string> = {
  id: '<id>',
  name: '--name',
  team: '--team',
  ownerId: '--owner',
  allowedTools: '--tools',
  agentId: '--agent',
  userId: '--user',
  expiresAt: '--expires',
  reason: '--reason',
  email: '--email',
  role: '--role',
  scope: '--scope',
  target: '--target',
  period: '--period',
  currency: '--currency',
  limit: '--limit',
  approvalThreshold: '--threshold',
  slackUserId: '<slack-user-id>',
  tool: '--tool',
  condition: '--condition',
  validForHours: '--hours',
  maxUses: '--uses',
  by: '--by',
  actionId: '<action-id>',
  argsHash: '--args-hash',
  comment: '--comment',
  feedback: '--feedback',
  step: '--step',
  resolution: '--resolution',
};

/** `--team: must not be empty`; refusals that name no field keep their message. */
export function cliErrorOf(error: unknown, options: Record<string, string> = {}): unknown {
  if (!(error instanceof OpsError)) return error;
  // Only bad input is named by option; a conflict or a missing thing says what it is.
  if (error.code !== 'invalid' || error.issues.length === 0) return new CliError(error.message);
  return new CliError(
    error.issues
      .map((issue) => {
        const [head, ...rest] = issue.path.split('.');
        const option = options[head ?? ''] ?? OPTION_OF_FIELD[head ?? ''] ?? issue.path;
        return `${option}${optionPart(rest, issue.message)}: ${issue.message}`;
      })
      .join('; '),
  );
}

/**
 * Where in a comma-separated option the problem is: `--tools (item 2)`; nothing when the message
 * quotes the value already (`must be one of … (got "foo")`), as the value says which item it was.
 */
function optionPart(rest: string[], message: string): string {
  if (rest.length === 0) return '';
  if (rest.length === 1 && /^\d+$/.test(rest[0]!)) return message.includes('(got ') ? '' : ` (item ${Number(rest[0]) + 1})`;
  return ` (${rest.join('.')})`;
}
