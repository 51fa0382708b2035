import { roleAtLeast, type Role } from '@airlock/core';
import { hashApiKey, type Db } from '@airlock/db';
import { userOperator, type Operator } from '@airlock/ops';
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

/**
 * Looks a key up by its SHA-256 (only the hash is stored). Null when unknown,
 * revoked, expired, owned by neither kind, or its agent or person is disabled:
 * every request looks again, so a revocation holds from the next request on.
 */
export async function principalForKey(db: Db, key: string): Promise<Principal | null> {
  if (!key.startsWith('alk_')) return null;
  const row = await db.prisma.apiKey.findUnique({
    where: { hash: hashApiKey(key) },
    include: { user: { select: { id: true, name: true, role: true, disabledAt: true } }, agent: { select: { disabledAt: true } } },
  });
  if (!row || row.revokedAt) return null;
  const now = new Date();
  if (row.expiresAt && row.expiresAt <= now) return null;
  let principal: Principal | null = null;
  if (row.agentId && !row.userId && row.agent && !row.agent.disabledAt) principal = { kind: 'agent', keyId: row.id, agentId: row.agentId };
  if (row.user && !row.agentId && !row.user.disabledAt) principal = { kind: 'user', keyId: row.id, userId: row.user.id, name: row.user.name, role: row.user.role };
  if (principal) await noteKeyUse(db, row.id, row.lastUsedAt, now);
  return principal;
}

// At most one write per key per minute: last-used is for people judging stale keys, not an access log.
const LAST_USED_GRANULARITY_MS = 60_000;

async function noteKeyUse(db: Db, keyId: string, lastUsedAt: Date | null, now: Date): Promise<void> {
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < LAST_USED_GRANULARITY_MS) return;
  await db.pool.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)', [keyId, now]);
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

/** The operator a user key stands for; agents are not operators (403, before any use case runs). */
export function operatorOf(principal: Principal): Operator {
  if (principal.kind !== 'user') throw forbidden('this endpoint takes a user API key; agents may not call it');
  return userOperator({ id: principal.userId, role: principal.role }, 'api');
}
