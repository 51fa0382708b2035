import { createDb, WARM_CONNECTIONS, type Db } from '@airlock/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminUrl, createTestDatabase, withAdmin, type TestDatabase } from '../support/database.js';

// A decision often comes after minutes without database traffic. pg's pool used to close every
// connection idle for 10 s, so such a decision opened new ones (console and worker alike) on its
// way to the tool. The pool now keeps WARM_CONNECTIONS open however long it idles. Here the idle
// timeout is cut to 50 ms so the extra connections go quickly; every wait is a condition polled,
// never a sleep that assumes how fast this machine is.

let t: TestDatabase;
let db: Db;
beforeEach(async () => {
  t = await createTestDatabase();
  db = createDb(t.url, { poolSize: 5, idleTimeoutMillis: 50 });
});
afterEach(async () => {
  await db.close();
  await t.drop();
});

const backendPids = async (db: Db, n: number): Promise<number[]> => {
  // n clients checked out at once, so the pool opens n connections.
  const clients = await Promise.all(Array.from({ length: n }, () => db.pool.connect()));
  try {
    return await Promise.all(clients.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
  } finally {
    for (const c of clients) c.release();
  }
};

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the database pool', () => {
  it('closes idle connections beyond the warm ones and keeps those open, reusing them after the idle spell', async () => {
    let opened = 0;
    db.pool.on('connect', () => opened++);
    const busy = await backendPids(db, 5);
    expect(new Set(busy).size).toBe(5);
    expect(opened).toBe(5);

    await until(() => db.pool.totalCount === WARM_CONNECTIONS);
    // Ten idle timeouts later, the warm ones are still there.
    const idleSince = Date.now();
    await until(() => Date.now() - idleSince >= 500);
    expect(db.pool.totalCount).toBe(WARM_CONNECTIONS);

    const after = await backendPids(db, WARM_CONNECTIONS);
    expect(opened).toBe(5);
    for (const pid of after) expect(busy).toContain(pid);
  });

  it('drops a warm connection the server ended while it idled, and the next query opens a new one', async () => {
    const [pid] = await backendPids(db, 1);
    await withAdmin(adminUrl, (admin) => admin.query('SELECT pg_terminate_backend($1)', [pid]));
    await until(() => db.pool.totalCount === 0);
    const { rows } = await db.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(rows[0]!.pid).not.toBe(pid);
  });
});
