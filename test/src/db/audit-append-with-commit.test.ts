import { appendAudit, appendAuditWithCommit, auditChainLockItems, auditHeadStatement, inTransaction, observeAudit, verifyAuditChain } from '@airlock/db';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uncatalogued } from '../support/uncatalogued.js';

// The hot path's append: the head read in the lock's message, the rows in COMMIT's.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const event = (key: string, note: string) => uncatalogued({ eventKey: key, actionId: 'a-1', type: 'test.event', actor: "user:o'brien", payload: { note } });

/** One transaction: lock and head read in one message, the append in COMMIT's. */
function appendWithCommit(...events: ReturnType<typeof event>[]): Promise<string> {
  return inTransaction(t.db, async (_client, [, head]) => appendAuditWithCommit(head as pg.QueryResult, events, 'done'), {
    withBegin: (client) => `SELECT ${auditChainLockItems(client)}; ${auditHeadStatement(events.map((e) => e.eventKey))}`,
  });
}

describe('appendAuditWithCommit', () => {
  it('links its rows to the chain beside plain appends, under concurrency, with awkward text stored as given', async () => {
    const notes = ["it's", 'back\\slash', '$1 $$', 'żółw 🐢'];
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        i % 3 === 0 ? appendAudit(t.db, event(`plain-${i}`, notes[i % 4]!)) : appendWithCommit(event(`hot-${i}-a`, notes[i % 4]!), event(`hot-${i}-b`, `${i}`)),
      ),
    );
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checkedRows: 8 + 16 * 2 });
    const { rows } = await t.db.pool.query<{ payload: { note: string }; actor: string }>(`SELECT payload, actor FROM audit_events WHERE event_key = 'hot-1-a'`);
    expect(rows[0]).toEqual({ payload: { note: notes[1] }, actor: "user:o'brien" });
  });

  it('leaves out rows already written, and tells observers of the new ones only once committed', async () => {
    await appendAudit(t.db, event('seen-1', 'first'));
    const heard: string[] = [];
    const stop = observeAudit((rows) => heard.push(...rows.map((r) => r.eventKey)));
    try {
      expect(await appendWithCommit(event('seen-1', 'again'), event('seen-2', 'new'))).toBe('done');
    } finally {
      stop();
    }
    expect(heard).toEqual(['seen-2']);
    const { rows } = await t.db.pool.query<{ payload: { note: string } }>(`SELECT payload FROM audit_events WHERE event_key = 'seen-1'`);
    expect(rows[0]!.payload.note).toBe('first');
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('commits nothing when a row conflicts (a key written after the head read)', async () => {
    await expect(
      inTransaction(
        t.db,
        async (client, [, head]) => {
          // Written after the head read: only possible without the lock, as here.
          await client.query(`INSERT INTO audit_events (hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash, hash)
                              SELECT 2, 'late', NULL, 'test.event', 'x', '{}', now(), hash, repeat('f', 64) FROM audit_events ORDER BY seq DESC LIMIT 1`);
          return appendAuditWithCommit(head as pg.QueryResult, [event('late', 'mine'), event('late-2', 'mine')], 'done');
        },
        { withBegin: (client) => `SELECT ${auditChainLockItems(client)}; ${auditHeadStatement(['late', 'late-2'])}` },
      ),
    ).rejects.toMatchObject({ code: '23505', constraint: 'audit_events_event_key_key' });
    const { rows } = await t.db.pool.query(`SELECT 1 FROM audit_events WHERE event_key IN ('late', 'late-2')`);
    expect(rows).toEqual([]);
  });
});
