import { appendAudit, appendAuditLockedIn, auditChainLockItems, auditRowHash, inTransaction, verifyAuditChain } from '@airlock/db';
import { legacyCanonicalJson } from '@airlock/core';
import { sha256Hex } from '@airlock/core/hashing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uncatalogued } from '../support/uncatalogued.js';

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await t.drop();
});

const event = (i: number) => uncatalogued({ eventKey: `e-${i}`, actionId: 'a-1', type: 'test.event', actor: 'user:alice', payload: { i, note: `row ${i}` } });

/** Bypasses the append-only trigger the way only a database superuser could, to simulate tampering. */
async function tamper(sql: string, params: unknown[] = []): Promise<void> {
  const client = await t.db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(sql, params);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('the hash-chained audit log', () => {
  it('links every row to the previous one, even under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 60 }, (_, i) => appendAudit(t.db, event(i))));
    const result = await verifyAuditChain(t.db, { batchSize: 7 });
    expect(result).toMatchObject({ ok: true, checkedRows: 60 });
  });

  it('holds the chain lock from the write that takes it (auditChainLockItems), and keeps the chain whole beside plain appends', async () => {
    await inTransaction(t.db, async (client) => {
      await client.query(`SELECT 1 AS written, ${auditChainLockItems(client)}`);
      const other = await t.db.pool.query<{ free: boolean }>('SELECT pg_try_advisory_xact_lock(7240110002::bigint) AS free');
      expect(other.rows[0]!.free).toBe(false);
      await appendAuditLockedIn(client, event(1000));
    });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? appendAudit(t.db, event(i))
          : inTransaction(t.db, async (client) => {
              await client.query(`SELECT 1 AS written, ${auditChainLockItems(client)}`);
              return appendAuditLockedIn(client, event(i));
            }),
      ),
    );
    expect(await verifyAuditChain(t.db, { batchSize: 7 })).toMatchObject({ ok: true, checkedRows: 41 });
  });

  it('writes an event key once: a retried append returns the stored row', async () => {
    const [first] = await appendAudit(t.db, event(1));
    const [again] = await appendAudit(t.db, uncatalogued({ ...event(1), payload: { different: true } }));
    expect(again).toEqual(first);
    expect(await t.db.prisma.auditEvent.count()).toBe(1);
  });

  it('appends a batch in order, skipping keys already written and keys repeated in the batch, and the chain stays whole', async () => {
    const [one] = await appendAudit(t.db, event(1));
    const batch = await appendAudit(t.db, event(0), event(1), event(2), uncatalogued({ ...event(2), payload: { repeated: true } }), event(3));
    expect(batch.map((row) => row.eventKey)).toEqual(['e-0', 'e-1', 'e-2', 'e-2', 'e-3']);
    expect(batch[1]).toEqual(one);
    expect(batch[3]).toEqual(batch[2]);
    expect(batch[2]!.payload).toEqual({ i: 2, note: 'row 2' });
    // Each new row links to the one written before it, across the skipped key.
    expect(batch[0]!.prevHash).toBe(one!.hash);
    expect(batch[2]!.prevHash).toBe(batch[0]!.hash);
    expect(batch[4]!.prevHash).toBe(batch[2]!.hash);
    expect(batch[4]!.seq).toBeGreaterThan(batch[2]!.seq);
    expect(await t.db.prisma.auditEvent.count()).toBe(4);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checkedRows: 4 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE at the database', async () => {
    await appendAudit(t.db, event(1));
    await expect(t.db.pool.query(`UPDATE audit_events SET actor = 'user:mallory'`)).rejects.toThrow(/append-only \(UPDATE refused\)/);
    await expect(t.db.pool.query('DELETE FROM audit_events')).rejects.toThrow(/append-only \(DELETE refused\)/);
    await expect(t.db.pool.query('TRUNCATE audit_events')).rejects.toThrow(/append-only \(TRUNCATE refused\)/);
    expect(await t.db.prisma.auditEvent.count()).toBe(1);
  });

  it('pinpoints the first altered row', async () => {
    for (let i = 0; i < 10; i++) await appendAudit(t.db, event(i));
    const rows = await t.db.prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });
    const target = rows[6]!;
    await tamper(`UPDATE audit_events SET payload = '{"i": 6, "note": "nothing to see"}' WHERE seq = $1`, [target.seq.toString()]);
    expect(await verifyAuditChain(t.db)).toStrictEqual({
      ok: false,
      checkedRows: 6,
      firstBrokenSeq: target.seq.toString(),
      reason: 'row content does not match its hash: the row was altered',
    });
  });

  it('pinpoints a removed row', async () => {
    for (let i = 0; i < 10; i++) await appendAudit(t.db, event(i));
    const rows = await t.db.prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });
    await tamper('DELETE FROM audit_events WHERE seq = $1', [rows[3]!.seq.toString()]);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, checkedRows: 3, firstBrokenSeq: rows[4]!.seq.toString() });
  });

  it('detects a forged row whose hash was recomputed but whose link was not', async () => {
    for (let i = 0; i < 5; i++) await appendAudit(t.db, event(i));
    const rows = await t.db.prisma.auditEvent.findMany({ orderBy: { seq: 'asc' } });
    await tamper(`UPDATE audit_events SET prev_hash = $1 WHERE seq = $2`, ['f'.repeat(64), rows[2]!.seq.toString()]);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, firstBrokenSeq: rows[2]!.seq.toString() });
  });

  it('keeps rows hashed before RFC 8785 (hash version 1) verifiable beside new ones', async () => {
    // A version-1 row as the previous release wrote it: legacy canonical JSON, no "v" member, hash_version 1.
    const createdAt = new Date('2026-11-30T10:00:00.123Z');
    const old = {
      eventKey: 'old-1',
      actionId: null,
      type: 'test.event',
      actor: 'user:alice',
      payload: { i: 0, nested: { b: 1, a: [2, 'x'] } },
      createdAt,
      prevHash: '0'.repeat(64),
    };
    const oldHash = sha256Hex(legacyCanonicalJson({ ...old, createdAt: createdAt.toISOString() }));
    expect(auditRowHash({ ...old, hashVersion: 1 })).toBe(oldHash);
    expect(auditRowHash(old)).not.toBe(oldHash);
    await t.db.pool.query(
      `INSERT INTO audit_events (hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash, hash) VALUES (1, $1, NULL, $2, $3, $4, $5, $6, $7)`,
      [old.eventKey, old.type, old.actor, JSON.stringify(old.payload), createdAt, old.prevHash, oldHash],
    );
    const [next] = await appendAudit(t.db, event(1));
    expect(next).toMatchObject({ hashVersion: 2, prevHash: oldHash });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checkedRows: 2 });

    // Flipping a row's version is tampering like any other.
    await tamper('UPDATE audit_events SET hash_version = 1 WHERE event_key = $1', ['e-1']);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, firstBrokenSeq: next!.seq.toString() });
  });

  it('hashes a payload key named __proto__ (hash version 2 is faithful to every key)', async () => {
    const payload = JSON.parse('{"amount":"1.00","__proto__":{"amount":"9999"}}') as Record<string, unknown>;
    const [row] = await appendAudit(t.db, uncatalogued({ eventKey: 'p-1', type: 'test.event', actor: 'user:alice', payload }));
    expect(row!.payload).toEqual(payload);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checkedRows: 1 });
    // Dropping the __proto__ member now breaks the chain, where the legacy form would not have noticed.
    await tamper(`UPDATE audit_events SET payload = '{"amount":"1.00"}' WHERE event_key = 'p-1'`);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, firstBrokenSeq: row!.seq.toString(), reason: 'row content does not match its hash: the row was altered' });
  });
});
