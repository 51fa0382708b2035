import { appendAudit, auditRowHash, GENESIS_HASH, readChainRows, verifyAuditChain, type Db } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uncatalogued } from '../support/uncatalogued.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const ROWS = 20_000;

/** `count` valid chained rows written straight into audit_events (hashed as appendAudit does), 2,000 per statement. */
async function seedChain(db: Db, count: number): Promise<void> {
  let prevHash = GENESIS_HASH;
  const start = Date.parse('2026-12-03T00:00:00.000Z');
  for (let written = 0; written < count;) {
    const cols = { key: [] as string[], payload: [] as string[], at: [] as string[], prev: [] as string[], hash: [] as string[] };
    for (let i = 0; i < 2_000 && written < count; i++, written++) {
      const row = {
        eventKey: `seed:${written}`,
        actionId: null,
        type: 'test.event',
        actor: 'system:seed',
        payload: { n: written, note: `row ${written}` },
        createdAt: new Date(start + written).toISOString(),
        prevHash,
      };
      const hash = auditRowHash(row);
      cols.key.push(row.eventKey);
      cols.payload.push(JSON.stringify(row.payload));
      cols.at.push(row.createdAt);
      cols.prev.push(prevHash);
      cols.hash.push(hash);
      prevHash = hash;
    }
    await db.pool.query(
      `INSERT INTO audit_events (event_key, type, actor, payload, created_at, prev_hash, hash)
       SELECT k, 'test.event', 'system:seed', p, a, pr, h FROM unnest($1::text[], $2::jsonb[], $3::timestamptz[], $4::text[], $5::text[]) AS u(k, p, a, pr, h)`,
      [cols.key, cols.payload, cols.at, cols.prev, cols.hash],
    );
  }
}

/** Alters a row's payload as only a superuser could (triggers bypassed), hashes left as they were. */
async function alterPayload(db: Db, seq: bigint, payload: unknown): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query('UPDATE audit_events SET payload = $2 WHERE seq = $1', [seq.toString(), JSON.stringify(payload)]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('the streamed verifier', () => {
  it('verifies a long chain holding a bounded number of rows, whatever its length', async () => {
    await seedChain(t.db, ROWS);
    const batchSize = 100;
    let peak = Number.POSITIVE_INFINITY;
    const result = await verifyAuditChain(t.db, { batchSize, onReadFinish: (s) => (peak = s.peakBufferedRows) });
    expect(result).toMatchObject({ ok: true, checkedRows: ROWS });
    // Two queued batches and the one filling, plus what one socket read (64 KiB, rows of ~400 bytes) carries past a pause:
    // a bound set by the batch size, 20 times below the chain's length.
    expect(peak).toBeLessThanOrEqual(3 * batchSize + 200);
    // With two worker threads checking: one chunk in flight per worker, one queued, one filling.
    peak = Number.POSITIVE_INFINITY;
    expect(await verifyAuditChain(t.db, { batchSize, threads: 2, onReadFinish: (s) => (peak = s.peakBufferedRows) })).toStrictEqual(result);
    expect(peak).toBeLessThanOrEqual(4 * batchSize + 200);
    let batches = 0;
    for await (const batch of readChainRows(t.db, { batchSize, afterSeq: ROWS - 250 })) {
      expect(batch.length).toBeLessThanOrEqual(batchSize);
      batches++;
    }
    expect(batches).toBe(3);
  });

  it('reads back payloads with every character COPY escapes, and still catches a rewrite of one', async () => {
    const tricky = { s: 'tab\there\nnewline\r\\back\\slash "quoted" \u0001 \b\f\v é 😀 \u2028', nested: { '\t key': ['\\N', '\\', null] } };
    const [row] = await appendAudit(t.db, uncatalogued({ eventKey: 'tricky', type: 'test.event', actor: 'user:\tmallory\\', payload: tricky }));
    await appendAudit(t.db, uncatalogued({ eventKey: 'after-tricky', type: 'test.event', actor: 'user:alice', payload: {} }));
    expect(await verifyAuditChain(t.db, { batchSize: 7 })).toMatchObject({ ok: true, checkedRows: ROWS + 2 });
    let seen: unknown;
    for await (const batch of readChainRows(t.db, { afterSeq: Number(row!.seq) - 1 })) seen ??= batch[0];
    expect(seen).toMatchObject({ actor: 'user:\tmallory\\', payload: tricky });

    // One character changed inside the escaped string: the row's content no longer matches its hash.
    await alterPayload(t.db, row!.seq, { ...tricky, s: tricky.s.replace('\t', ' ') });
    const altered = { ok: false, checkedRows: ROWS, firstBrokenSeq: row!.seq.toString(), reason: 'row content does not match its hash: the row was altered' };
    expect(await verifyAuditChain(t.db, { batchSize: 100 })).toStrictEqual(altered);
    // Checked on worker threads, chunks joined in order: the same verdict, the same row.
    expect(await verifyAuditChain(t.db, { batchSize: 100, threads: 2 })).toStrictEqual(altered);
  });
});
