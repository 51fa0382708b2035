import { randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '@airlock/core';
import { hashApiKey } from './api-key-hash.js';
import type { Db } from './client.js';

// Seed factories: used by the first start, tests and benchmarks alike.

/** Agents get no tools unless given some (least privilege); the demo tools by default here. */
export async function createAgent(db: Db, input: { id?: string; name?: string; team?: string; ownerId?: string; allowedTools?: string[] }) {
  const id = input.id ?? `agent-${randomUUID().slice(0, 8)}`;
  return db.prisma.agent.create({
    data: { id, name: input.name ?? id, team: input.team ?? 'default', ownerId: input.ownerId ?? null, allowedTools: input.allowedTools ?? ['demo.*'] },
  });
}

export async function createUser(db: Db, input: { id?: string; email?: string; name?: string; role: Role; groups?: string[] }) {
  const id = input.id ?? `user-${randomUUID().slice(0, 8)}`;
  return db.prisma.user.create({
    data: { id, email: input.email ?? `${id}@example.test`, name: input.name ?? id, role: input.role, groups: input.groups ?? [] },
  });
}

/** Creates a key and returns its plaintext once; only the hash is stored. */
export async function createApiKey(db: Db, owner: { agentId: string } | { userId: string }, name = 'default'): Promise<{ id: string; key: string }> {
  const secret = randomBytes(24).toString('base64url');
  const key = `alk_${secret}`;
  const id = randomUUID();
  await db.prisma.apiKey.create({
    data: {
      id,
      name,
      prefix: key.slice(0, 10),
      hash: hashApiKey(key),
      agentId: 'agentId' in owner ? owner.agentId : null,
      userId: 'userId' in owner ? owner.userId : null,
    },
  });
  return { id, key };
}
