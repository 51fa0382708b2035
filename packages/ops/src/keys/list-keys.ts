import type { Db } from '@airlock/db';
import { notFound } from '../ops-error.js';
import { refuseUnstorableText } from '../stored-text.js';
import { KEY_COLUMNS, toKeyRecord, type KeyRecord } from './key-row.js';

/**
 * Keys of one agent or person, or all, newest first (a read: no audit row). An owner that does not
 * exist is not found (404), not an empty list: a misspelt id must not read as "no keys".
 */
export async function listKeys(db: Db, filter: { agentId?: string; userId?: string } = {}): Promise<KeyRecord[]> {
  // An id PostgreSQL cannot compare (NUL) names no one: refused as such, not a 500.
  refuseUnstorableText(filter);
  if (filter.agentId !== undefined && !(await exists(db, 'agents', filter.agentId))) throw notFound(`no agent "${filter.agentId}"`, 'agentId');
  if (filter.userId !== undefined && !(await exists(db, 'users', filter.userId))) throw notFound(`no user "${filter.userId}"`, 'userId');
  const { rows } = await db.pool.query<Parameters<typeof toKeyRecord>[0]>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE ($1::text IS NULL OR agent_id = $1) AND ($2::text IS NULL OR user_id = $2) ORDER BY created_at DESC, id`,
    [filter.agentId ?? null, filter.userId ?? null],
  );
  return rows.map(toKeyRecord);
}

async function exists(db: Db, table: 'agents' | 'users', id: string): Promise<boolean> {
  return ((await db.pool.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).rowCount ?? 0) > 0;
}
