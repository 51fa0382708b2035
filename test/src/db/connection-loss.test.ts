import { inTransaction } from '@airlock/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminUrl, createTestDatabase, withAdmin, type TestDatabase } from '../support/database.js';

// Found by the soak: a PostgreSQL restart while a worker held a transaction open
// crashed the worker process ("Unhandled 'error' event" on a pg Client), because
// a checked-out client's connection error is emitted as an event that pg-pool
// only listens for on idle clients. Ending our own backend reproduces it without
// touching the shared server.

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await t.drop();
});

describe('a database connection lost in the middle of a transaction', () => {
  it('fails that transaction and leaves the process and the pool working', async () => {
    const attempt = inTransaction(t.db, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const gone = new Promise((resolve) => client.once('end', resolve));
      await withAdmin(adminUrl, (admin) => admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]));
      // The connection dies between two statements, while the client is checked out: the crash's condition.
      await gone;
      return client.query('SELECT 1');
    });
    await expect(attempt).rejects.toThrow(/terminat|not queryable|Connection/i);
    const { rows } = await t.db.pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0]!.one).toBe(1);
  });
});
