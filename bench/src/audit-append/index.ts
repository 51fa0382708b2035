import { performance } from 'node:perf_hooks';
import { appendAudit, appendAuditIn, createDb, verifyAuditChain, type AuditEventInput, type Db } from '@airlock/db';
import type { Cleanup } from '../infra/cleanup.js';
import { createScratchDatabase } from '../infra/database.js';
import { median } from '../stats.js';

export const APPENDER_COUNTS = [1, 2, 4] as const;

export interface AppendVariant {
  /** Committed transactions per second, all appenders together. */
  perSecond: number;
  p50Ms: number;
}

export interface AppendRun {
  appenders: number;
  /** appendAudit as shipped: the head lock released at COMMIT, before the WAL flush; the caller still waits for the flush. */
  chained: AppendVariant;
  /** The same append with the head lock held through the flush (the design before): one commit per fsync. */
  lockThroughFlush: AppendVariant;
  /** A single-row INSERT transaction with no chain: what PostgreSQL's commit path allows here. */
  plain: AppendVariant;
}

export interface AppendBenchResults {
  seconds: number;
  runs: AppendRun[];
  /** The chain every variant wrote verifies end to end. */
  chainVerified: boolean;
  rowsWritten: number;
}

/** One guarded-path audit transaction's worth: a `tool.started`-shaped event. */
const eventOf = (key: string): AuditEventInput => ({
  eventKey: key,
  actionId: null,
  type: 'tool.started',
  actor: 'system:executor',
  payload: { tool: 'payments.refund', idempotencyKey: `${key}:run` },
});

/** Runs `step` back to back on `appenders` concurrent loops (each on its own pooled connection) for `seconds`. */
async function drive(appenders: number, seconds: number, step: (key: string) => Promise<unknown>): Promise<AppendVariant> {
  const latencies: number[] = [];
  const start = performance.now();
  const until = start + seconds * 1000;
  const run = `${Math.random().toString(36).slice(2)}`;
  await Promise.all(
    Array.from({ length: appenders }, async (_, appender) => {
      for (let n = 0; performance.now() < until; n++) {
        const t = performance.now();
        await step(`bench:${run}:${appender}:${n}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { perSecond: latencies.length / ((performance.now() - start) / 1000), p50Ms: median(latencies) };
}

/** The append as it was before early lock release: a transaction inTransaction does not manage commits synchronously. */
async function appendHoldingLockThroughFlush(db: Db, event: AuditEventInput): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await appendAuditIn(client, event);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Audit appends per second with 1, 2 and 4 concurrent appenders against one
 * PostgreSQL, one event per transaction (the guarded path's audit transactions
 * carry one or two), beside the old lock-through-flush append and a plain
 * INSERT transaction at the same concurrency, all in the same run.
 */
export async function runAppendBench(pgUrl: string, seconds: number, cleanup: Cleanup, log: (line: string) => void): Promise<AppendBenchResults> {
  const scratch = await createScratchDatabase(pgUrl);
  cleanup.add(`database ${scratch.name}`, () => scratch.drop());
  const db = createDb(scratch.url, { poolSize: Math.max(...APPENDER_COUNTS) + 1 });
  cleanup.add('append database pool', () => db.close());
  await db.pool.query('CREATE TABLE bench_plain (id bigserial PRIMARY KEY, event_key text UNIQUE NOT NULL, payload jsonb NOT NULL)');

  const runs: AppendRun[] = [];
  for (const appenders of APPENDER_COUNTS) {
    const plain = await drive(appenders, seconds, (key) =>
      db.pool.query('INSERT INTO bench_plain (event_key, payload) VALUES ($1, $2)', [key, JSON.stringify(eventOf(key).payload)]),
    );
    const lockThroughFlush = await drive(appenders, seconds, (key) => appendHoldingLockThroughFlush(db, eventOf(key)));
    const chained = await drive(appenders, seconds, (key) => appendAudit(db, eventOf(key)));
    runs.push({ appenders, chained, lockThroughFlush, plain });
    log(
      `audit-append: ${appenders} appender(s): ${chained.perSecond.toFixed(0)}/s (lock through flush ${lockThroughFlush.perSecond.toFixed(0)}/s, plain INSERT ${plain.perSecond.toFixed(0)}/s)`,
    );
  }
  const verified = await verifyAuditChain(db);
  return { seconds, runs, chainVerified: verified.ok, rowsWritten: verified.checkedRows };
}
