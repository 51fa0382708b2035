import { createDb, type Db } from '@airlock/db';
import type pg from 'pg';

/** One message a client sent: its SQL and parameters, and whether it went inside a transaction (BEGIN … COMMIT/ROLLBACK). */
export interface SentSql {
  text: string;
  values: unknown[];
  inTransaction: boolean;
}

/** A Db of its own whose every message is recorded (what a dispatcher given it sends), and its transactions, each as its messages. */
export interface SpiedDb {
  db: Db;
  sent: SentSql[];
  transactions: string[][];
  close: () => Promise<void>;
}

const spied = new WeakSet<pg.PoolClient>();

export function spiedDb(url: string): SpiedDb {
  const db = createDb(url, { poolSize: 2 });
  const sent: SentSql[] = [];
  const transactions: string[][] = [];
  // pg-pool emits 'acquire' for every checkout, pool.query's included: each connection's query is wrapped once.
  db.pool.on('acquire', (client) => {
    if (spied.has(client)) return;
    spied.add(client);
    let open: string[] | undefined;
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const [first, second] = args;
      const text = typeof first === 'string' ? first : String((first as { text?: string }).text);
      const values = Array.isArray(second) ? second : ((first as { values?: unknown[] }).values ?? []);
      if (/^\s*BEGIN\b/i.test(text)) transactions.push((open = []));
      open?.push(text);
      sent.push({ text, values, inTransaction: open !== undefined });
      // COMMIT may end a message that carries the transaction's last statements (commitWith).
      if (/\b(COMMIT|ROLLBACK)\b/.test(text)) open = undefined;
      return query(...args);
    };
  });
  return { db, sent, transactions, close: () => db.close() };
}
