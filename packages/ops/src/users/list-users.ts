import type { Db } from '@airlock/db';
import { USER_COLUMNS, toUserRecord, type UserRecord } from './user-row.js';

/** Every person, by id (a read: no audit row). */
export async function listUsers(db: Db): Promise<UserRecord[]> {
  const { rows } = await db.pool.query<Parameters<typeof toUserRecord>[0]>(`SELECT ${USER_COLUMNS} FROM users ORDER BY id`);
  return rows.map(toUserRecord);
}
