import { auditRowHash, type AuditRow, type Db } from '@airlock/db';

/**
 * Plays the database superuser: disables the append-only triggers, rewrites one
 * row's payload, recomputes every later hash so the chain links up again, and
 * re-enables the triggers. Afterwards the chain alone verifies.
 */
export async function rewriteHistory(db: Db, seq: bigint, payload: unknown): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await client.query('UPDATE audit_events SET payload = $2 WHERE seq = $1', [seq.toString(), JSON.stringify(payload)]);
    const { rows } = await client.query<Omit<AuditRow, 'hash'>>(
      'SELECT seq, hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash FROM audit_events WHERE seq >= $1 ORDER BY seq',
      [seq.toString()],
    );
    let prevHash = rows[0]!.prev_hash;
    for (const r of rows) {
      const hash = auditRowHash({
        prevHash,
        eventKey: r.event_key,
        actionId: r.action_id,
        type: r.type,
        actor: r.actor,
        payload: r.payload,
        createdAt: r.created_at,
        hashVersion: r.hash_version === 1 ? 1 : 2,
      });
      await client.query('UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE seq = $1', [r.seq, prevHash, hash]);
      prevHash = hash;
    }
    await client.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Deletes rows as a superuser would (triggers bypassed). */
export async function deleteRows(db: Db, where: string, params: unknown[]): Promise<void> {
  await asSuperuser(db, `DELETE FROM audit_events WHERE ${where}`, params);
}

/** Runs statements as a superuser who bypassed the append-only triggers first (any UPDATE or DELETE on the audit tables). */
export async function asSuperuser(db: Db, sql: string, params: unknown[] = []): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(sql, params);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
