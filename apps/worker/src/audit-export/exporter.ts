import { awaitDurable, WakeUp, type AuditRow, type ChainRow, type Db } from '@airlock/db';
import type { Logger } from '@airlock/telemetry';
import type { PoolClient } from 'pg';
import type { AuditSink } from './sink.js';

/** The channel the audit_events insert trigger notifies on (migration 20261122040000_slack). */
const AUDIT_NOTIFY_CHANNEL = 'airlock_audit';

export interface AuditExporterOptions {
  db: Db;
  sink: AuditSink;
  logger: Logger;
  /** Rows per batch sent to the sink. */
  batchSize?: number;
  /** Poll interval when no NOTIFY arrives (a lost notification, or another worker leads). */
  pollIntervalMs?: number;
  /** First delay after a failed delivery; doubles each failure in a row, up to maxRetryMs. */
  retryBaseMs?: number;
  maxRetryMs?: number;
}

/**
 * Streams audit_events to one sink in seq order, at least once, from a cursor
 * stored in audit_cursors (`siem:<sink>`). The cursor moves only after the sink
 * confirmed a batch; a failed batch is sent again, with backoff, until it goes:
 * nothing is skipped. Rows are durable before they leave (awaitDurable: audit
 * commits release the chain lock before their WAL flush). Appends are serialised
 * by the chain lock, so `seq > cursor` in seq order never misses a row.
 *
 * One worker leads per sink (a session advisory lock on its own connection),
 * the others wait; a leader that dies releases the lock with its connection.
 * A crash after the sink took a batch but before the cursor moved sends that
 * batch again: duplicates only across a crash, recognisable by seq and hash.
 */
export class AuditExporter {
  private client: PoolClient | undefined;
  private cursor = 0;
  private stopped = false;
  private failures = 0;
  private readonly wakeUp = new WakeUp();
  private running: Promise<void> | undefined;

  constructor(private readonly options: AuditExporterOptions) {}

  get consumer(): string {
    return `siem:${this.options.sink.name}`;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp.wake();
    await this.running;
    this.releaseClient();
    await this.options.sink.close();
  }

  private async loop(): Promise<void> {
    const pollMs = this.options.pollIntervalMs ?? 1_000;
    while (!this.stopped) {
      let delay = pollMs;
      try {
        if (!this.client) await this.lead();
        if (this.client) {
          const more = await this.exportBatch();
          this.failures = 0;
          if (more) continue;
        }
      } catch (error) {
        this.failures += 1;
        const base = this.options.retryBaseMs ?? 1_000;
        delay = Math.min(this.options.maxRetryMs ?? 60_000, base * 2 ** Math.min(this.failures - 1, 16));
        if (!this.stopped) {
          this.options.logger.warn(
            { err: error, sink: this.options.sink.name, cursor: this.cursor, failures: this.failures },
            `audit export to ${this.options.sink.name} failed; retrying from seq ${this.cursor + 1} in ${delay} ms`,
          );
        }
        // Whatever failed, the next attempt starts from the stored cursor on a fresh connection.
        this.releaseClient();
        this.wakeUp.forget();
      }
      await this.wakeUp.sleep(delay, this.stopped);
    }
  }

  /** Takes the sink's lock on a dedicated connection; leaves `client` unset when another worker leads. */
  private async lead(): Promise<void> {
    const { pool } = this.options.db;
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended('airlock:audit-export:' || $1, 0)) AS locked", [this.consumer]);
      if (rows[0]?.locked !== true) {
        client.release();
        return;
      }
      client.on('notification', () => this.wakeUp.wake());
      // A checked-out client has no pool listener: without this an error on the idle connection would crash the worker.
      // The next query on it fails and the loop starts over on a fresh connection.
      client.on('error', (error) => {
        this.options.logger.warn({ err: error, sink: this.options.sink.name }, `audit export to ${this.options.sink.name}: database connection lost`);
        this.wakeUp.wake();
      });
      await client.query(`LISTEN ${AUDIT_NOTIFY_CHANNEL}`);
      // A new sink starts at the beginning: a SIEM gets the whole history, then follows.
      await client.query('INSERT INTO audit_cursors (consumer, seq, updated_at) VALUES ($1, 0, now()) ON CONFLICT (consumer) DO NOTHING', [this.consumer]);
      const cursor = await client.query<{ seq: string }>('SELECT seq::text AS seq FROM audit_cursors WHERE consumer = $1', [this.consumer]);
      this.cursor = Number(cursor.rows[0]?.seq ?? '0');
      this.client = client;
      this.options.logger.info({ sink: this.options.sink.name, cursor: this.cursor }, `audit export to ${this.options.sink.name}: leading, from seq ${this.cursor + 1}`);
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** One batch: read, wait until durable, deliver, move the cursor. Returns whether a full batch went (more may wait). */
  private async exportBatch(): Promise<boolean> {
    const client = this.client!;
    const batchSize = this.options.batchSize ?? 500;
    // Qualified: a bare `seq` in ORDER BY would name the text output column and sort 1, 10, 11, …, 2.
    const { rows } = await client.query<AuditRowText>(
      `SELECT seq::text AS seq, hash_version, event_key, action_id, type, actor, payload::text AS payload,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, prev_hash, hash
         FROM audit_events WHERE audit_events.seq > $1 ORDER BY audit_events.seq LIMIT $2`,
      [this.cursor, batchSize],
    );
    if (rows.length === 0) return false;
    // Visible a moment before durable (early lock release): nothing leaves the database before it is on disk.
    await awaitDurable(client);
    const events = rows.map(chainRowOf);
    await this.options.sink.deliver(events);
    const last = events[events.length - 1]!.seq;
    await client.query('UPDATE audit_cursors SET seq = $2, updated_at = now() WHERE consumer = $1 AND seq < $2', [this.consumer, last]);
    this.cursor = last;
    return rows.length === batchSize;
  }

  /** Closes the leader's connection: that ends its session, so the advisory lock and the LISTEN go with it. */
  private releaseClient(): void {
    const client = this.client;
    this.client = undefined;
    client?.release(true);
  }
}

/** An audit row as the query above returns it: payload as its JSON text, the time as ISO text (what the hash covers). */
type AuditRowText = Omit<AuditRow, 'payload' | 'created_at'> & { payload: string; created_at: string };

function chainRowOf(r: AuditRowText): ChainRow {
  return {
    seq: Number(r.seq),
    hashVersion: r.hash_version,
    eventKey: r.event_key,
    actionId: r.action_id,
    type: r.type,
    actor: r.actor,
    payload: JSON.parse(r.payload) as unknown,
    createdAt: r.created_at,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
