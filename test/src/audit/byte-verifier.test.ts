import { appendAudit, auditRowHash, GENESIS_HASH, verifyAuditChain } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uncatalogued } from '../support/uncatalogued.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The verifier reads rows with binary COPY and hashes them from their bytes (prisma/src/audit/hash-fields.ts): the
// payload canonicalised from jsonb's text in place, or handed to JSON.parse when that cannot be done exactly. These rows
// are appended as the application writes them (hashed from the JavaScript value), so each must verify.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

describe('the verifier reading rows as bytes', () => {
  it('hashes each payload from its jsonb text to the same bytes as from the parsed value: numbers in every form, keys in any order', async () => {
    // The verifier canonicalises jsonb's text in place (jsonb-jcs.ts), or hands the row to JSON.parse when it cannot: either way the row verifies.
    const payloads = [
      { n: [0, -0, 0.1, 1e21, 1e-7, 5e-324, 123456789012345680000, 2 ** 53 + 2, -1.5e300, 25.5, 1e15, 999999999999999] },
      { b: 1, a: 2, aa: 3, '10': 4, '2': 5, 'a b': 6, 'a!': 7, nested: { zz: [{ y: 1, x: 2 }], z: {} } },
      { ctrl: '\u0001\u001f\u007f\b\t', quote: '"\\/', empty: '' },
      { é: 'ü', '\ufb33': 1, '😀': 2, 'a\tb': 3 },
      ['array', 'at', 'the', 'top'],
      'a string',
      42,
      null,
    ];
    const appended = [];
    for (const [i, payload] of payloads.entries())
      appended.push(...(await appendAudit(t.db, uncatalogued({ eventKey: `forms-${i}`, type: 'test.event', actor: 'user:alice', payload }))));
    const result = await verifyAuditChain(t.db, { batchSize: 3 });
    expect(result).toMatchObject({ ok: true, headSeq: appended.at(-1)!.seq.toString() });
    expect(await verifyAuditChain(t.db, { batchSize: 3, threads: 2 })).toStrictEqual(result);
  });

  it('writes every timestamp PostgreSQL holds as to_char does, BC years, years past 9999 and either side of the 2000 epoch', async () => {
    // Rows whose hash covers to_char's text (what the text reader hashed), in a database of their own: verification
    // reads the binary timestamp and must write the same text, to the byte.
    const own = await createTestDatabase();
    try {
      await rowsAtEveryTimestamp(own.db);
    } finally {
      await own.drop();
    }
  });
});

async function rowsAtEveryTimestamp(db: TestDatabase['db']): Promise<void> {
  const edges = [
    '4713-01-01 00:00:00+00 BC',
    '0001-01-01 00:00:00+00 BC',
    '0001-12-31 23:59:59.999+00 BC',
    '0001-01-01 00:00:00+00',
    '1969-12-31 23:59:59.999+00',
    '1970-01-01 00:00:00+00',
    '1999-12-31 23:59:59.999+00',
    '2000-01-01 00:00:00+00',
    '2000-02-29 12:34:56.789+00',
    '2026-12-03 15:00:00.001+00',
    '9999-12-31 23:59:59.999+00',
    '10000-01-01 00:00:00+00',
    '294276-12-31 23:59:59.999+00',
  ];
  // Seconds from 4680 BC to 287,000 AD, with milliseconds.
  const spread = Array.from({ length: 200 }, (_, k) => -210e9 + k * 46e9 + k * 0.0371);
  const { rows } = await db.pool.query<{ at: string; text: string }>(
    `SELECT at::text AS at, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS text
       FROM (SELECT unnest($1::timestamptz[])::timestamptz(3) AS at UNION ALL SELECT to_timestamp(s)::timestamptz(3) FROM unnest($2::float8[]) AS s) AS t`,
    [edges, spread],
  );
  let prevHash = GENESIS_HASH;
  for (const [i, { at, text }] of rows.entries()) {
    const row = { eventKey: `at-${i}`, actionId: null, type: 'test.event', actor: 'system:clock', payload: { at }, createdAt: text, prevHash };
    const hash = auditRowHash(row);
    await db.pool.query(`INSERT INTO audit_events (event_key, type, actor, payload, created_at, prev_hash, hash) VALUES ($1, 'test.event', 'system:clock', $2, $3, $4, $5)`, [
      row.eventKey,
      JSON.stringify(row.payload),
      at,
      prevHash,
      hash,
    ]);
    prevHash = hash;
  }
  expect(rows.map((r) => r.text)).toContain('4713-01-01T00:00:00.000Z');
  expect(await verifyAuditChain(db, { batchSize: 50 })).toMatchObject({ ok: true, checkedRows: rows.length });
}
