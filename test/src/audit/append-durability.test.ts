import { appendAudit, appendAuditIn, inTransaction, verifyAuditChain } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uncatalogued } from '../support/uncatalogued.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const event = (key: string) => uncatalogued({ eventKey: key, type: 'test.event', actor: 'user:alice', payload: { key } });

describe('appends with early lock release', () => {
  it('release the chain head at COMMIT and return only once the commit is flushed', async () => {
    let setting = '';
    let insertLsnBeforeCommit = '';
    await inTransaction(t.db, async (client) => {
      await appendAuditIn(client, event('early-1'));
      setting = (await client.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")).rows[0]!.s;
      insertLsnBeforeCommit = (await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;
    });
    expect(setting).toBe('off');
    const flushed = await t.db.pool.query<{ ok: boolean }>('SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS ok', [insertLsnBeforeCommit]);
    expect(flushed.rows[0]!.ok).toBe(true);
  });

  it('keeps a synchronous commit in a transaction inTransaction does not own', async () => {
    const client = await t.db.pool.connect();
    try {
      await client.query('BEGIN');
      await appendAuditIn(client, event('sync-1'));
      expect((await client.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")).rows[0]!.s).toBe('on');
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  });

  it('keeps one unbroken chain under concurrent appenders', async () => {
    await Promise.all(
      Array.from({ length: 4 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 15; i++) await appendAudit(t.db, event(`w${w}-${i}`));
        })(),
      ),
    );
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checkedRows: 62 });
  });
});
