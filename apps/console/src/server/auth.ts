import { roleAtLeast, type Role } from '@airlock/core';
import { hashApiKey, type Db } from '@airlock/db';
import { forbidden, unauthenticated } from './errors.js';

export interface AgentPrincipal {
  kind: 'agent';
  keyId: string;
  agentId: string;
}
export interface UserPrincipal {
  kind: 'user';
  keyId: string;
  userId: string;
  name: string;
  role: Role;
}
/** Who is calling: an agent or a person, as their API key says. */
export type Principal = AgentPrincipal | UserPrincipal;

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export async function authenticate(request: Request, db: Db): Promise<Principal> {
  const header = request.headers.get('authorization');
  if (!header) throw unauthenticated('missing API key: send "Authorization: Bearer alk_..."');
  const key = BEARER.exec(header)?.[1];
  if (!key) throw unauthenticated('malformed Authorization header: expected "Bearer alk_..."');
  const principal = await principalForKey(db, key);
  // One message for unknown and revoked keys: a caller learns nothing about which keys exist.
  if (!principal) throw unauthenticated('unknown or revoked API key');
  return principal;
}

/** Looks a key up by its SHA-256 (only the hash is stored). Null when unknown, revoked or owned by neither kind. */
export async function principalForKey(db: Db, key: string): Promise<Principal | null> {
  if (!key.startsWith('alk_')) return null;
  const row = await db.prisma.apiKey.findUnique({
    where: { hash: hashApiKey(key) },
    include: { user: { select: { id: true, name: true, role: true } } },
  });
  if (!row || row.revokedAt) return null;
  if (row.agentId && !row.userId) return { kind: 'agent', keyId: row.id, agentId: row.agentId };
  if (row.user && !row.agentId) return { kind: 'user', keyId: row.id, userId: row.user.id, name: row.user.name, role: row.user.role };
  return null;
}

export function requireAgent(principal: Principal): AgentPrincipal {
  if (principal.kind !== 'agent') throw forbidden('this endpoint takes an agent API key; a person uses the decision endpoints');
  return principal;
}

export function requireUser(principal: Principal, atLeast: Role = 'viewer'): UserPrincipal {
  if (principal.kind !== 'user') throw forbidden('this endpoint takes a user API key; agents may not call it');
  if (!roleAtLeast(principal.role, atLeast)) throw forbidden(`role ${principal.role} may not do this; ${atLeast} or higher is required`);
  return principal;
}

/** Agents see only their own actions; to them another agent's action does not exist (404, not 403). */
export function canSeeAction(principal: Principal, agentId: string): boolean {
  return principal.kind === 'user' || principal.agentId === agentId;
}
