import type pg from 'pg';
import { notFound } from '../ops-error.js';
import { findUser } from '../users/user-row.js';

/** An agent as operators see it. */
export interface AgentRecord {
  id: string;
  name: string;
  team: string;
  ownerId: string | null;
  allowedTools: string[];
  createdAt: Date;
  disabledAt: Date | null;
}

interface AgentRow {
  id: string;
  name: string;
  team: string;
  owner_id: string | null;
  allowed_tools: string[];
  created_at: Date;
  disabled_at: Date | null;
}

export const AGENT_COLUMNS = 'id, name, team, owner_id, allowed_tools, created_at, disabled_at';

export function toAgentRecord(row: AgentRow): AgentRecord {
  return { id: row.id, name: row.name, team: row.team, ownerId: row.owner_id, allowedTools: row.allowed_tools, createdAt: row.created_at, disabledAt: row.disabled_at };
}

/**
 * The agent, locked for the rest of the transaction; not_found names `field` when given.
 * NO KEY UPDATE, not UPDATE: an admission of this agent inserts its action row, whose
 * foreign-key check (FOR KEY SHARE on this row) runs after that statement took the audit
 * chain's lock. A lock that blocked the check would deadlock with this transaction's own append.
 */
export async function lockAgent(tx: pg.PoolClient, id: string, field?: string): Promise<AgentRecord> {
  const { rows } = await tx.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = $1 FOR NO KEY UPDATE`, [id]);
  if (!rows[0]) throw notFound(`no agent "${id}"`, field);
  return toAgentRecord(rows[0]);
}

/** A user who can own an agent, by id or email: exists and is not disabled. Returns their id, which is what is stored. */
export async function checkOwner(tx: pg.PoolClient, who: string): Promise<string> {
  const user = await findUser(tx, who, 'ownerId');
  if (user.disabledAt) throw notFound(`user "${user.id}" is disabled`, 'ownerId');
  return user.id;
}
