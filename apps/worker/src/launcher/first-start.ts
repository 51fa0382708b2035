import { demoToolSpecs } from '@airlock/core';
import { shownDatabaseUrl } from '@airlock/core/external-database';
import { createAgent, createApiKey, type Db } from '@airlock/db';
import { createLocalUser } from '@airlock/db/accounts';

export const ADMIN_USER_ID = 'admin';
export const ADMIN_EMAIL = 'admin@airlock.local';
export const DEMO_AGENT_ID = 'demo-agent';

export interface FirstStartCredentials {
  admin: { userId: string; email: string; oneTimePassword: string; apiKey: string };
  agent: { agentId: string; apiKey: string };
}

/**
 * On an empty database (no users): an admin with a one-time console password and
 * an API key, and a demo agent with an API key. The plaintexts exist only in the
 * return value. Later starts return undefined.
 */
export async function seedFirstStart(db: Db): Promise<FirstStartCredentials | undefined> {
  if ((await db.prisma.user.count()) > 0) return undefined;
  const { user: admin, oneTimePassword } = await createLocalUser(db, { id: ADMIN_USER_ID, email: ADMIN_EMAIL, name: 'Administrator', role: 'admin' }, 'system:first-start');
  const adminKey = await createApiKey(db, { userId: admin.id }, 'first start');
  // No owner, so the admin may approve its requests (nobody approves their own agent's);
  // allowed exactly the demo tool pack, refunds included.
  const agent =
    (await db.prisma.agent.findUnique({ where: { id: DEMO_AGENT_ID } })) ??
    (await createAgent(db, { id: DEMO_AGENT_ID, name: 'Demo agent', team: 'demo', allowedTools: demoToolSpecs.map((spec) => spec.name) }));
  const agentKey = await createApiKey(db, { agentId: agent.id }, 'first start');
  return {
    admin: { userId: admin.id, email: admin.email, oneTimePassword, apiKey: adminKey.key },
    agent: { agentId: agent.id, apiKey: agentKey.key },
  };
}

/** Where the CLI finds this start's database: what a copied command must carry when it is not the default. */
export interface CliDatabase {
  dataDir: string;
  /**
   * An external database, which the CLI finds only by DATABASE_URL: its URL (shown with a placeholder
   * for the password, never the password), or `true` where the URL is not known here.
   */
  external: boolean | string;
}

const DEFAULT_DATA_DIR = '.data';

/** The reset-password command as a person can copy it: the CLI finds the embedded database by the same data directory. */
export function resetPasswordCommand(userId: string, where: CliDatabase): string {
  const command = `npm run airlock -- users reset-password ${userId}`;
  if (where.external) {
    const url = typeof where.external === 'string' ? shownDatabaseUrl(where.external) : undefined;
    return `DATABASE_URL=${url ? shellWord(url) : "<this database's URL>"} ${command}`;
  }
  if (where.dataDir === DEFAULT_DATA_DIR) return command;
  return `AIRLOCK_DATA_DIR=${shellWord(where.dataDir)} ${command}`;
}

/** A value as one shell word: as it is when nothing in it is special to a shell, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w./:@%+,=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export function describeFirstStart(credentials: FirstStartCredentials, consoleUrl: string, where: CliDatabase = { dataDir: DEFAULT_DATA_DIR, external: false }): string[] {
  const { admin, agent } = credentials;
  return [
    '',
    'First start: created an admin user and a demo agent.',
    'Their secrets are shown only once, now. Store them; only their hashes are kept.',
    `  sign in to the console at ${new URL('/sign-in', consoleUrl).href}`,
    `    email:              ${admin.email}`,
    `    one-time password:  ${admin.oneTimePassword}   (you choose your own at the first sign-in)`,
    `  admin API key (user ${admin.userId}):        ${admin.apiKey}`,
    `  agent API key (agent ${agent.agentId}):  ${agent.apiKey}`,
    `Lost the password? \`${resetPasswordCommand(admin.userId, where)}\` prints a new one.`,
    '',
  ];
}
