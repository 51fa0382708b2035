import type { Db } from '@airlock/db';
import { KEY_COLUMNS, toKeyRecord, type KeyRecord } from './key-row.js';

/** Keys of one agent or person, or all, newest first (a read: no audit row). */
export async function listKeys(db: Db, filter: { agentId?: string; userId?: string } = {}): Promise<KeyRecord[]> {
  const { rows } = await db.pool.query<Parameters<typeof toKeyRecord>[0]>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE ($1::text IS NULL OR agent_id = $1) AND ($2::text IS NULL OR user_id = $2) ORDER BY created_at DESC, id`,
    [filter.agentId ?? null, filter.userId ?? null],
  );
  return rows.map(toKeyRecord);
}
