import {
  AUDIT_COLUMNS,
  appendAudit,
  auditAppendStatement,
  auditChainLockItems,
  auditRowHash,
  inOneMessage,
  observeAudit,
  reportAppended,
  setStatementMode,
  verifyAuditChain,
  type AppendedEvent,
  type AuditRow,
} from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uncatalogued } from '../support/uncatalogued.js';

// The hot path's append as one statement: the database reads the head and chains the hashes.

let t: TestDatabase;

const event = (key: string, note: string) => uncatalogued({ eventKey: key, actionId: 'a-1', type: 'test.event', actor: "user:o'brien", payload: { note } });

/** A whole transaction in one message: the chain lock, then the append (and `after`, if given). */
function appendInOneMessage(events: AppendedEvent[], after?: string): Promise<string[]> {
  return inOneMessage(
    t.db,
    (client) => [`SELECT ${auditChainLockItems(client)}, set_config('airlock.test_flag', 'on', true)`, auditAppendStatement(events), ...(after ? [after] : [])].join('; '),
    ([, appended]) => {
      reportAppended(appended!);
      return (appended!.rows as { event_key: string }[]).map((r) => r.event_key);
    },
  );
}

async function rowsOf(keys: string[]): Promise<AuditRow[]> {
  const { rows } = await t.db.pool.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE event_key = ANY($1) ORDER BY seq`, [keys]);
  return rows;
}

// Both ways of sending it: prepared once per connection (the default) and inlined (behind a transaction-mode pooler).
describe.each(['session', 'inline'] as const)('auditAppendStatement, statements sent %s', (mode) => {
  beforeAll(async () => {
    setStatementMode(mode);
    t = await createTestDatabase();
  });
  afterAll(async () => {
    setStatementMode('session');
    await t?.drop();
  });

  it('hashes in the database exactly as a row hashed here, beside plain appends, under concurrency, with awkward text', async () => {
    const notes = ["it's", 'back\\slash', '$1 $$ \u2028', 'żółw 🐢 "quoted"'];
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        i % 3 === 0
          ? appendAudit(t.db, event(`plain-${i}`, notes[i % 4]!))
          : appendInOneMessage([{ event: event(`one-${i}-a`, notes[i % 4]!) }, { event: event(`one-${i}-b`, `${i}`) }]),
      ),
    );
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checkedRows: 8 + 16 * 2 });
    const [a, b] = await rowsOf(['one-1-a', 'one-1-b']);
    expect(a).toMatchObject({ payload: { note: notes[1] }, actor: "user:o'brien" });
    // Each row's hash is the one this process computes over the stored fields, and the next row links to it.
    for (const row of [a!, b!]) {
      const fields = {
        prevHash: row.prev_hash,
        eventKey: row.event_key,
        actionId: row.action_id,
        type: row.type,
        actor: row.actor,
        payload: row.payload,
        createdAt: row.created_at,
      };
      expect(row.hash).toBe(auditRowHash(fields));
    }
    expect(b!.prev_hash).toBe(a!.hash);
  });

  it('leaves out a row already written and a row whose condition is false, linking the next row past them', async () => {
    await appendAudit(t.db, event('seen-1', 'first'));
    const heard: string[] = [];
    const stop = observeAudit((rows) => heard.push(...rows.map((r) => r.eventKey)));
    let inserted: string[];
    try {
      inserted = await appendInOneMessage([
        { event: event('seen-1', 'again') },
        { event: event('skipped', 'no'), when: "current_setting('airlock.test_flag', true) = 'off'" },
        { event: event('kept-1', 'yes'), when: "current_setting('airlock.test_flag', true) = 'on'" },
        { event: event('kept-2', 'yes') },
        { event: event('kept-2', 'a second time in one call') },
      ]);
    } finally {
      stop();
    }
    expect(inserted).toEqual(['kept-1', 'kept-2']);
    expect(heard).toEqual(['kept-1', 'kept-2']);
    const [seen, kept1, kept2] = await rowsOf(['seen-1', 'kept-1', 'kept-2']);
    expect(seen!.payload).toEqual({ note: 'first' });
    expect(kept1!.prev_hash).toBe(seen!.hash);
    expect(kept2!).toMatchObject({ prev_hash: kept1!.hash, payload: { note: 'yes' } });
    expect(await rowsOf(['skipped'])).toEqual([]);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('redacts what it stores, as every append does', async () => {
    await appendInOneMessage([{ event: uncatalogued({ eventKey: 'pii-1', actionId: 'a-1', type: 'test.event', actor: 'x', payload: { email: 'alice@example.com' } }) }]);
    const [row] = await rowsOf(['pii-1']);
    expect(JSON.stringify(row!.payload)).not.toContain('alice@example.com');
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('commits nothing and tells no observer when a later statement of the message fails', async () => {
    const heard: string[] = [];
    const stop = observeAudit((rows) => heard.push(...rows.map((r) => r.eventKey)));
    try {
      await expect(appendInOneMessage([{ event: event('doomed', 'x') }], 'SELECT 1 / 0')).rejects.toMatchObject({ code: '22012' });
    } finally {
      stop();
    }
    expect(heard).toEqual([]);
    expect(await rowsOf(['doomed'])).toEqual([]);
    // The connection went back to the pool usable.
    expect(await appendInOneMessage([{ event: event('after-doomed', 'x') }])).toEqual(['after-doomed']);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('refuses an empty append', () => {
    expect(() => auditAppendStatement([])).toThrow(/no events/);
  });
});
