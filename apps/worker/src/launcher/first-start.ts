import { demoToolSpecs } from '@airlock/core';
import { createAgent, createApiKey, createUser, type Db } from '@airlock/db';

export const ADMIN_USER_ID = 'admin';
export const DEMO_AGENT_ID = 'demo-agent';

export interface FirstStartCredentials {
  admin: { userId: string; apiKey: string };
  agent: { agentId: string; apiKey: string };
}

/**
 * On an empty database (no users): an admin and a demo agent, each with an API
 * key whose plaintext exists only in the return value. Later starts return undefined.
 */
export async function seedFirstStart(db: Db): Promise<FirstStartCredentials | undefined> {
  if ((await db.prisma.user.count()) > 0) return undefined;
  const admin = await createUser(db, { id: ADMIN_USER_ID, email: 'admin@airlock.local', name: 'Administrator', role: 'admin' });
  const adminKey = await createApiKey(db, { userId: admin.id }, 'first start');
  // No owner, so the admin may approve its requests (nobody approves their own agent's);
  // allowed exactly the demo tool pack, refunds included.
  const agent =
    (await db.prisma.agent.findUnique({ where: { id: DEMO_AGENT_ID } })) ??
    (await createAgent(db, { id: DEMO_AGENT_ID, name: 'Demo agent', team: 'demo', allowedTools: demoToolSpecs.map((spec) => spec.name) }));
  const agentKey = await createApiKey(db, { agentId: agent.id }, 'first start');
  return { admin: { userId: admin.id, apiKey: adminKey.key }, agent: { agentId: agent.id, apiKey: agentKey.key } };
}

export function describeFirstStart(credentials: FirstStartCredentials): string[] {
  return [
    '',
    'First start: created an admin user and a demo agent.',
    'Their API keys are shown only once, now. Store them; only their hashes are kept.',
    `  admin API key (user ${credentials.admin.userId}):        ${credentials.admin.apiKey}`,
    `  agent API key (agent ${credentials.agent.agentId}):  ${credentials.agent.apiKey}`,
    '',
  ];
}
