import { demoToolSpecs } from '@airlock/core';
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

export function describeFirstStart(credentials: FirstStartCredentials, consoleUrl: string): string[] {
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
    'Lost the password? `npm run airlock -- users reset-password admin` prints a new one.',
    '',
  ];
}
