import type { Role } from '@airlock/core';
import { hashApiKey, type Db } from '@airlock/db';
import { userOperator, type Operator } from '@airlock/ops';
import { forbidden, unauthenticated } from './errors.js';

export interface AgentPrincipal {
  kind: 'agent';
  keyId: string;
  agentId: string;
  /** What the policy reads of the agent, from the key's row: a submission forecasts its admission with it. */
  profile: { team: string; ownerId: string | null; allowedTools: string[] };
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

/** The key and its owner in one row (LEFT JOINs: a key has an agent or a user, never both). */
interface KeyRow {
  id: string;
  agent_id: string | null;
  user_id: string | null;
  revoked_at: Date | null;
  expires_at: Date | null;
  last_used_at: Date | null;
  /** Null when the join found no agent. */
  agent_row_id: string | null;
  agent_disabled_at: Date | null;
  agent_team: string | null;
  agent_owner_id: string | null;
  agent_allowed_tools: string[] | null;
  /** Null when the join found no user (the column is NOT NULL). */
  user_name: string | null;
  user_role: Role | null;
  user_disabled_at: Date | null;
}

// One statement, not Prisma's findUnique with its two includes: every API request starts here,
// and each query through Prisma costs a round trip and its own client-side work.
const KEY_BY_HASH = `
  SELECT k.id, k.agent_id, k.user_id, k.revoked_at, k.expires_at, k.last_used_at,
         a.id AS agent_row_id, a.disabled_at AS agent_disabled_at,
         a.team AS agent_team, a.owner_id AS agent_owner_id, a.allowed_tools AS agent_allowed_tools,
         u.name AS user_name, u.role::text AS user_role, u.disabled_at AS user_disabled_at
  FROM api_keys k
  LEFT JOIN agents a ON a.id = k.agent_id
  LEFT JOIN users u ON u.id = k.user_id
  WHERE k.hash = $1`;

/**
 * Looks a key up by its SHA-256 (only the hash is stored). Null when unknown,
 * revoked, expired, owned by neither kind, or its agent or person is disabled:
 * every request looks again, so a revocation holds from the next request on.
 */
export async function principalForKey(db: Db, key: string): Promise<Principal | null> {
  if (!key.startsWith('alk_')) return null;
  const row = (await db.pool.query<KeyRow>(KEY_BY_HASH, [hashApiKey(key)])).rows[0];
  if (!row || row.revoked_at) return null;
  const now = new Date();
  if (row.expires_at && row.expires_at <= now) return null;
  let principal: Principal | null = null;
  if (row.agent_id && !row.user_id && row.agent_row_id && !row.agent_disabled_at) {
    const profile = { team: row.agent_team ?? '', ownerId: row.agent_owner_id, allowedTools: row.agent_allowed_tools ?? [] };
    principal = { kind: 'agent', keyId: row.id, agentId: row.agent_id, profile };
  }
  if (row.user_id && !row.agent_id && row.user_name !== null && row.user_role !== null && !row.user_disabled_at) {
    principal = { kind: 'user', keyId: row.id, userId: row.user_id, name: row.user_name, role: row.user_role };
  }
  if (principal) await noteKeyUse(db, row.id, row.last_used_at, now);
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

/** The person behind a user key; roles are the route's row's to check (route-access.ts). */
export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') throw forbidden('this endpoint takes a user API key; agents may not call it');
  return principal;
}

/** Sent by the SDK with the agent id the caller named (optional for other clients). */
export const AGENT_HEADER = 'airlock-agent-id';

/**
 * Refuses an agent key's request that names another agent (`airlock-agent-id`): a key never acts
 * for another agent, so a mismatch is refused (403), not rewritten. One check for every endpoint
 * the SDK names the agent on (run/start, authorize, the authorization read); a user key has no agent of its own.
 */
export function refuseOtherAgent(request: Request, principal: Principal): void {
  const claimed = request.headers.get(AGENT_HEADER);
  if (principal.kind !== 'agent' || claimed === null || claimed === principal.agentId) return;
  throw forbidden(`this API key belongs to agent "${principal.agentId}"; it cannot act as agent "${claimed}"`);
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
