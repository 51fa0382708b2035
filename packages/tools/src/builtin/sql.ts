import { sqlQuerySpec } from '@airlock/core';
import pg from 'pg';
import { defineTool } from '../define.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { ToolRefusedError, type SqlConfig } from './config.js';

export interface SqlQueryOutput {
  command: string;
  rowCount: number;
  fields: string[];
  rows: unknown[];
  /** Rows were cut at the cap. */
  truncated: boolean;
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

/**
 * `sql.query`: one statement (the extended protocol refuses a second one, so
 * `COMMIT; ...` cannot leave the transaction). Reads run READ ONLY; writes,
 * where the worker allows them, run in a transaction that rolls back when
 * PostgreSQL counts more changed rows than the cap, and record their
 * idempotency key in the same transaction so a repeat returns the first result.
 */
export function sqlQueryTool(config: SqlConfig, breakers: CircuitBreakers) {
  let idempotencyTableReady: Promise<void> | undefined;
  const table = config.idempotencyTable;

  const connect = async () => {
    const client = new pg.Client({ connectionString: config.url, connectionTimeoutMillis: config.connectTimeoutMs, application_name: 'airlock-sql-tool' });
    await client.connect();
    return client;
  };

  const ensureIdempotencyTable = () =>
    (idempotencyTableReady ??= (async () => {
      const client = await connect();
      try {
        await client.query(`CREATE TABLE IF NOT EXISTS ${table} (idempotency_key text PRIMARY KEY, result jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
      } finally {
        await client.end();
      }
    })().catch((error: unknown) => {
      idempotencyTableReady = undefined;
      throw error;
    }));

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
          const client = await connect();
          // Cancellation drops the connection; PostgreSQL rolls the transaction back.
          const onAbort = () => void client.end().catch(() => undefined);
          signal.addEventListener('abort', onAbort, { once: true });
          try {
            if (!config.allowSuperuser) {
              const { rows } = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
              if (rows[0]?.rolsuper !== false) throw new ToolRefusedError('sql.query: the configured role is a superuser; refused (set allowSuperuser to override)');
            }
            await client.query(mode === 'read' ? 'BEGIN READ ONLY' : 'BEGIN READ WRITE');
            await client.query(`SET LOCAL statement_timeout = ${config.statementTimeoutMs}`);
            try {
              if (mode === 'write') {
                await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`airlock-sql:${idempotencyKey}`]);
                const recorded = await client.query<{ result: SqlQueryOutput }>(`SELECT result FROM ${table} WHERE idempotency_key = $1`, [idempotencyKey]);
                if (recorded.rows[0]) {
                  await client.query('ROLLBACK');
                  return { ...recorded.rows[0].result, replayed: true };
                }
              }
              const before = mode === 'write' ? Number((await client.query<{ n: string }>(CHANGED_ROWS)).rows[0]?.n ?? 0) : 0;
              // The extended protocol (parse/bind/execute) runs exactly one statement.
              const statement: pg.QueryConfig & { queryMode: 'extended' } = { text: sql, values: params, queryMode: 'extended' };
              const result = await client.query(statement);
              const output: SqlQueryOutput = {
                command: result.command,
                rowCount: result.rowCount ?? 0,
                fields: result.fields.map((f) => f.name),
                // Dates, big numbers and buffers become plain JSON, as they will be stored.
                rows: JSON.parse(JSON.stringify(result.rows.slice(0, config.maxRows))) as unknown[],
                truncated: result.rows.length > config.maxRows,
              };
              if (mode === 'read') {
                await client.query('ROLLBACK');
                return output;
              }
              if (!WRITE_COMMANDS.has(result.command)) {
                throw new ToolRefusedError(`sql.query: ${result.command} is not allowed; rolled back`);
              }
              const changed = Number((await client.query<{ n: string }>(CHANGED_ROWS)).rows[0]?.n ?? 0) - before;
              if (changed > config.maxChangedRows || (result.command !== 'SELECT' && (result.rowCount ?? 0) > config.maxChangedRows)) {
                throw new ToolRefusedError(
                  `sql.query: the statement changed ${Math.max(changed, result.rowCount ?? 0)} rows, over the cap of ${config.maxChangedRows}; rolled back`,
                );
              }
              const written = { ...output, changedRows: changed };
              await client.query(`INSERT INTO ${table} (idempotency_key, result) VALUES ($1, $2)`, [idempotencyKey, JSON.stringify(written)]);
              await client.query('COMMIT');
              return written;
            } catch (error) {
              await client.query('ROLLBACK').catch(() => undefined);
              if (signal.aborted) throw new Error('sql.query: cancelled; the transaction was rolled back', { cause: error });
              throw error;
            }
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
