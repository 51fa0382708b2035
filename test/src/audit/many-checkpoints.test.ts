import { Writable } from 'node:stream';
import { listCheckpoints, writeAuditExport } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// At the default of one checkpoint a minute, a busy deployment signs a million in about two years.
const COUNT = 1_000_001;
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  // Unsigned stand-ins: only how many are read is checked here.
  await t.db.pool.query(
    `INSERT INTO audit_checkpoints (n, seq, hash, signed_at, key_id, signature)
     SELECT n, n, repeat('a', 64), now(), 'ed25519:0000000000000000', 'sig' FROM generate_series(1, $1::bigint) AS n`,
    [COUNT],
  );
});
afterAll(async () => {
  await t.drop();
});

describe('more than a million checkpoints', { timeout: 300_000 }, () => {
  it('a verification reads every one, and an export writes every one', async () => {
    const all = await listCheckpoints(t.db);
    expect(all.length).toBe(COUNT);
    expect(all.at(-1)!.n).toBe(COUNT);

    let lines = 0;
    let last = '';
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        const text = chunk.toString('utf8');
        lines += text.split('\n').length - 1;
        last = text;
        done();
      },
    });
    expect(await writeAuditExport(t.db, out)).toEqual({ rows: 0, checkpoints: COUNT });
    expect(lines).toBe(1 + COUNT);
    expect(last).toContain(`"n":${COUNT},`);
  });
});
