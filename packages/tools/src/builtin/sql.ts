import { sqlQuerySpec } from '@airlock/core';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { defineTool } from '../define.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { ToolRefusedError, type SqlConfig } from './config.js';

export interface SqlQueryOutput {
  command: string;
  /** Rows the statement returned (for a write, the rows PostgreSQL reports it changed); when truncated, the rows kept. */
  rowCount: number;
  fields: string[];
  rows: unknown[];
  /** Rows were cut: the statement had more (see `truncatedBy`). */
  truncated: boolean;
  /** Which cap cut them: `maxRows`, or `maxResultBytes` (the server's answer grew past it; the read stopped there). */
  truncatedBy?: 'maxRows' | 'maxResultBytes';
  /** Rows the statement changed, counted by PostgreSQL (writes only). */
  changedRows?: number;
  /** A write's recorded result returned again for a repeated idempotency key; nothing ran. */
  replayed?: boolean;
}

/** First keyword of the statement, past comments and opening parentheses. */
export function leadingKeyword(sql: string): string {
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const space = /^[\s(]+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (rest.startsWith('/*')) {
      // Comments nest in PostgreSQL.
      let depth = 0;
      let j = i;
      do {
        if (sql.startsWith('/*', j)) {
          depth++;
          j += 2;
        } else if (sql.startsWith('*/', j)) {
          depth--;
          j += 2;
        } else j++;
      } while (depth > 0 && j < sql.length);
      i = j;
      continue;
    }
    return (/^[A-Za-z]+/.exec(rest)?.[0] ?? '').toUpperCase();
  }
  return '';
}

const READ_STATEMENTS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'SHOW', 'EXPLAIN']);
const WRITE_STATEMENTS = new Set([...READ_STATEMENTS, 'INSERT', 'UPDATE', 'DELETE', 'MERGE']);
/** What the server may report having run; anything else (DDL, TRUNCATE, COPY, DO) is rolled back. */
const WRITE_COMMANDS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'SHOW', 'EXPLAIN']);

const CHANGED_ROWS = `SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint AS n FROM pg_stat_xact_user_tables`;

/** A read cut before its end has no command tag; a read-only statement's is its own keyword's (VALUES, TABLE and WITH report SELECT). */
const readCommandTag = (keyword: string) => (keyword === 'SHOW' || keyword === 'EXPLAIN' ? keyword : 'SELECT');

/** What one statement returned, as far as it was read. */
interface StatementRead {
  /** PostgreSQL's command tag; null when the statement was not read to its end. */
  command: string | null;
  rowCount: number;
  fields: string[];
  rows: unknown[];
  truncatedBy?: 'maxRows' | 'maxResultBytes';
}

interface ReadCaps {
  maxRows: number;
  maxResultBytes: number;
}

/**
 * Drops the connection once the server has sent more than `cap` bytes from now on. node-postgres holds a whole
 * message before parsing it: one huge field (or error message) would be read whole into memory, and past 512 MiB
 * its parse throws inside the socket handler, where no caller can catch it and the worker dies. Counted ahead of
 * node-postgres' own listener, so what it parses stays within one socket read of the cap.
 */
function dropPastBytes(client: pg.Client, cap: number): { readonly dropped: boolean; stop(): void } {
  const { stream } = client.connection;
  let received = 0;
  let dropped = false;
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received <= cap || dropped) return;
    dropped = true;
    stream.destroy();
  };
  stream.prependListener('data', count);
  return {
    get dropped() {
      return dropped;
    },
    stop: () => void stream.removeListener('data', count),
  };
}

/**
 * Makes a cursor's step fail when the connection ends (dropped at the byte cap, or ended by a cancellation):
 * pg-cursor leaves it unanswered for good when the end comes after the statement's last row, before the server
 * said it was ready again.
 */
function failWhenEnded(client: pg.Client): { untilEnded: <T>(step: Promise<T>) => Promise<T>; stop: () => void } {
  const lost = new Error('sql.query: the connection to the database ended');
  let onEnd: () => void = () => undefined;
  const ended = new Promise<never>((_, reject) => (onEnd = () => reject(lost)));
  ended.catch(() => undefined);
  client.once('end', onEnd);
  return { untilEnded: (step) => Promise.race([step, ended]), stop: () => void client.removeListener('end', onEnd) };
}

function readBatch(cursor: Cursor, rows: number): Promise<{ rows: unknown[]; result: pg.QueryResult }> {
  return new Promise((resolve, reject) => {
    cursor.read(rows, (error, batch, result) => (error ? reject(error) : resolve({ rows: batch, result })));
  });
}

/**
 * Runs one statement through a portal (the extended protocol: exactly one statement) and keeps at most
 * `maxRows` of its rows, asking the server for one more only to learn that it had more: nothing past that is
 * sent, let alone held. `toEnd` (writes) reads the rest and drops it, so the statement runs whole and reports
 * its command tag and row count. The server's answer is cut at `maxResultBytes` (the connection dropped, the
 * transaction with it): what came whole before is kept.
 */
async function readStatement(client: pg.Client, sql: string, params: unknown[], caps: ReadCaps, toEnd: boolean): Promise<StatementRead> {
  const rows: unknown[] = [];
  let fields: string[] = [];
  let seen = 0;
  const guard = dropPastBytes(client, caps.maxResultBytes);
  const { untilEnded, stop } = failWhenEnded(client);
  try {
    const cursor = client.query(new Cursor(sql, params));
    cursor.on('row', (row: unknown, result: pg.QueryResult) => {
      if (seen++ === 0) fields = result.fields.map((f) => f.name);
      if (rows.length < caps.maxRows) rows.push(row);
    });
    const batchSize = caps.maxRows + 1;
    // A dropped connection ends the read: the rows that came whole before are the answer.
    const next = () =>
      untilEnded(readBatch(cursor, batchSize)).catch((error: unknown) => {
        if (guard.dropped) return undefined;
        throw error;
      });
    let batch = await next();
    while (toEnd && batch?.rows.length === batchSize && !guard.dropped) batch = await next();
    if (guard.dropped || !batch) return { command: null, rowCount: rows.length, fields, rows, truncatedBy: 'maxResultBytes' };
    if (batch.result.command === null) {
      // More rows than returned: the portal is closed unread.
      await untilEnded(cursor.close());
      return { command: null, rowCount: rows.length, fields, rows, truncatedBy: 'maxRows' };
    }
    const { command } = batch.result;
    fields = batch.result.fields.map((f) => f.name);
    // The tag counts the last batch's rows only; a statement returning none (a write without RETURNING) ran in one.
    const rowCount = seen > 0 || fields.length > 0 ? seen : (batch.result.rowCount ?? 0);
    return { command, rowCount, fields, rows, ...(seen > caps.maxRows ? { truncatedBy: 'maxRows' as const } : {}) };
  } finally {
    guard.stop();
    stop();
  }
}

/**
 * `sql.query`: one statement (the extended protocol refuses a second one, so
 * `COMMIT; ...` cannot leave the transaction). Reads run READ ONLY; writes,
 * where the worker allows them, run in a transaction that rolls back when
 * PostgreSQL counts more changed rows than the cap, and record their
 * idempotency key in the same transaction so a repeat returns the first result.
 * Rows and the bytes of the result are read up to their caps only.
 */
export function sqlQueryTool(config: SqlConfig, breakers: CircuitBreakers) {
  let idempotencyTableReady: Promise<void> | undefined;
  const table = config.idempotencyTable;
  const caps: ReadCaps = { maxRows: config.maxRows, maxResultBytes: config.maxResultBytes };

  const newClient = () => {
    const client = new pg.Client({ connectionString: config.url, connectionTimeoutMillis: config.connectTimeoutMs, application_name: 'airlock-sql-tool' });
    // A dropped connection fails the query in flight; the same error emitted on the client, with no listener, would end the worker.
    client.on('error', () => undefined);
    return client;
  };

  const ensureIdempotencyTable = () =>
    (idempotencyTableReady ??= (async () => {
      const client = newClient();
      try {
        await client.connect();
        await client.query(`CREATE TABLE IF NOT EXISTS ${table} (idempotency_key text PRIMARY KEY, result jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
      } finally {
        await client.end();
      }
    })().catch((error: unknown) => {
      idempotencyTableReady = undefined;
      throw error;
    }));

  const refuseSuperuser = async (client: pg.Client) => {
    const { rows } = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    if (rows[0]?.rolsuper !== false) throw new ToolRefusedError('sql.query: the configured role is a superuser; refused (set allowSuperuser to override)');
  };

  const runRead = async (client: pg.Client, sql: string, params: unknown[], keyword: string): Promise<SqlQueryOutput> => {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${config.statementTimeoutMs}`);
    const read = await readStatement(client, sql, params, caps, false);
    // A dropped connection has rolled back already.
    if (read.truncatedBy !== 'maxResultBytes') await client.query('ROLLBACK');
    return toOutput(read, read.command ?? readCommandTag(keyword));
  };

  /** `beforeCommit`: called as COMMIT is sent; from then on a cancellation no longer drops the connection (runWrite's caller). */
  const runWrite = async (client: pg.Client, sql: string, params: unknown[], idempotencyKey: string, beforeCommit: () => void): Promise<SqlQueryOutput> => {
    await client.query('BEGIN READ WRITE');
    await client.query(`SET LOCAL statement_timeout = ${config.statementTimeoutMs}`);
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`airlock-sql:${idempotencyKey}`]);
      const recorded = await client.query<{ result: SqlQueryOutput }>(`SELECT result FROM ${table} WHERE idempotency_key = $1`, [idempotencyKey]);
      if (recorded.rows[0]) {
        await client.query('ROLLBACK');
        return { ...recorded.rows[0].result, replayed: true };
      }
      const before = Number((await client.query<{ n: string }>(CHANGED_ROWS)).rows[0]?.n ?? 0);
      const read = await readStatement(client, sql, params, caps, true);
      if (read.truncatedBy === 'maxResultBytes' || read.command === null) {
        throw new ToolRefusedError(`sql.query: the result passed maxResultBytes (${config.maxResultBytes} bytes); the connection was dropped and the write rolled back`);
      }
      if (!WRITE_COMMANDS.has(read.command)) throw new ToolRefusedError(`sql.query: ${read.command} is not allowed; rolled back`);
      const changed = Number((await client.query<{ n: string }>(CHANGED_ROWS)).rows[0]?.n ?? 0) - before;
      if (changed > config.maxChangedRows || (read.command !== 'SELECT' && read.rowCount > config.maxChangedRows)) {
        throw new ToolRefusedError(`sql.query: the statement changed ${Math.max(changed, read.rowCount)} rows, over the cap of ${config.maxChangedRows}; rolled back`);
      }
      const written = { ...toOutput(read, read.command), changedRows: changed };
      await client.query(`INSERT INTO ${table} (idempotency_key, result) VALUES ($1, $2)`, [idempotencyKey, JSON.stringify(written)]);
      // A connection dropped while COMMIT is under way does not stop it: PostgreSQL commits (it notices the client gone
      // only when it answers), and "rolled back" would be false. Past this point the write goes through to its answer.
      beforeCommit();
      await client.query('COMMIT');
      return written;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  };

  return defineTool({
    ...sqlQuerySpec,
    execute: async ({ sql, params = [], mode }, { signal, idempotencyKey }): Promise<SqlQueryOutput> => {
      if (mode === 'write' && !config.allowWrites) throw new ToolRefusedError('sql.query: writes are disabled on this worker (mode "write" refused)');
      const keyword = leadingKeyword(sql);
      if (!(mode === 'write' ? WRITE_STATEMENTS : READ_STATEMENTS).has(keyword)) {
        throw new ToolRefusedError(`sql.query: ${keyword || 'this'} statements are not allowed in ${mode} mode`);
      }
      if (mode === 'write') await ensureIdempotencyTable();

      return breakers.run(
        'sql.query',
        async () => {
          const client = newClient();
          // Cancellation drops the connection; PostgreSQL rolls the transaction back.
          const onAbort = () => void client.end().catch(() => undefined);
          signal.addEventListener('abort', onAbort, { once: true });
          try {
            // An abort before the listener was added (while the idempotency table was made) never fires it.
            if (signal.aborted) throw new Error('sql.query: cancelled before the statement ran');
            await client.connect();
            if (!config.allowSuperuser) await refuseSuperuser(client);
            const uncancellable = () => {
              signal.removeEventListener('abort', onAbort);
              // Cancelled before COMMIT was sent: the connection is being dropped, and the transaction with it.
              signal.throwIfAborted();
            };
            return await (mode === 'read' ? runRead(client, sql, params, keyword) : runWrite(client, sql, params, idempotencyKey, uncancellable));
          } catch (error) {
            if (signal.aborted) throw new Error('sql.query: cancelled; the transaction was rolled back', { cause: error });
            throw error;
          } finally {
            signal.removeEventListener('abort', onAbort);
            await client.end().catch(() => undefined);
          }
        },
        // A refused or failing statement is the caller's; only an unreachable database counts.
        ({ error }) => error !== undefined && !(error instanceof ToolRefusedError) && !(error instanceof pg.DatabaseError),
      );
    },
  });
}

function toOutput(read: StatementRead, command: string): SqlQueryOutput {
  return {
    command,
    rowCount: read.rowCount,
    fields: read.fields,
    // Dates, big numbers and buffers become plain JSON, as they will be stored.
    rows: JSON.parse(JSON.stringify(read.rows)) as unknown[],
    truncated: read.truncatedBy !== undefined,
    ...(read.truncatedBy ? { truncatedBy: read.truncatedBy } : {}),
  };
}
