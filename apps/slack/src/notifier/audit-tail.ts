import { COMMIT_WITHOUT_FLUSH, WakeUp, type Db } from '@airlock/db';
import type { Logger } from '@slack/bolt';
import pg from 'pg';

/** The channel the audit_events trigger notifies on (migration 20261122040000_slack). */
export const AUDIT_NOTIFY_CHANNEL = 'airlock_audit';

export interface TailEvent {
  seq: bigint;
  actionId: string | null;
  type: string;
}

export interface AuditTailOptions {
  db: Db;
  /** For the dedicated LISTEN connection (a pooled one could be recycled under it). */
  databaseUrl: string;
  /** Names the cursor in audit_cursors. */
  consumer: string;
  /** Fallback poll when no notification arrives; also the retry delay after an error. */
  pollIntervalMs: number;
  batchSize?: number;
  /**
   * Handles a batch; its events may be visible before they are durable (early lock release),
   * so a handler that sends anything outside the database calls awaitDurable first. When it throws,
   * the batch is read again a poll interval later, the lead kept (onLeader does not run again).
   * The lead can end while it runs (the LISTEN session ends, and another process reads the same
   * events at once): a handler that sends anything outside the database checks isLeader just before.
   */
  onEvents(events: TailEvent[]): Promise<void>;
  /** Runs each time this process becomes the leader, before it reads on. */
  onLeader?(): Promise<void>;
  /** Runs after each pass over the log while this process leads (at least once per poll interval); must not throw. */
  afterDrain?(): Promise<void>;
  logger: Logger;
}

/**
 * Follows audit_events in seq order from a persisted cursor. A PostgreSQL NOTIFY
 * (trigger on insert) wakes it at once; a periodic poll covers lost connections.
 * Appends are serialised by the audit chain's lock, so rows commit in seq order
 * and `seq > cursor` never skips one. Only the holder of an advisory lock reads,
 * so several Slack app processes still handle each event once.
 */
export class AuditTail {
  private listener: pg.Client | undefined;
  private leader = false;
  private cursor = 0n;
  private stopped = false;
  private readonly wakeUp = new WakeUp();
  private running: Promise<void> | undefined;

  constructor(private readonly options: AuditTailOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp.wake();
    await this.running;
    await this.disconnect();
  }

  /** Whether this process currently reads the log (holds the consumer's lock). */
  get isLeader(): boolean {
    return this.leader;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let handlerFailed = false;
      try {
        if (!this.listener) await this.connect();
        if (!this.leader && (await this.tryLead())) {
          this.leader = true;
          this.cursor = await this.loadCursor();
          await this.options.onLeader?.();
        }
        if (this.leader) {
          const failed = await this.drain();
          // The other work of a pass goes on while a batch waits to be read again (not once the lead is lost).
          if (this.leader) await this.options.afterDrain?.();
          if (failed) {
            handlerFailed = true;
            if (!this.stopped) this.options.logger.warn(`audit tail: ${errorMessage(failed.error)}; reading those events again`);
          }
        }
      } catch (error) {
        if (!this.stopped) this.options.logger.warn(`audit tail: ${errorMessage(error)}; retrying`);
        await this.disconnect();
        // Back off a full interval before reconnecting, whatever woke us meanwhile.
        this.wakeUp.forget();
      }
      if (handlerFailed) await this.backOff();
      else await this.wakeUp.sleep(this.options.pollIntervalMs, this.stopped);
    }
  }

  /** A poll interval that a notification does not end (the failed batch is read again after it), only a stop or a lost lead. */
  private async backOff(): Promise<void> {
    const deadline = Date.now() + this.options.pollIntervalMs;
    while (!this.stopped && this.leader && Date.now() < deadline) await this.wakeUp.sleep(deadline - Date.now(), this.stopped);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    client.on('notification', () => this.wakeUp.wake());
    client.on('error', (error) => {
      this.options.logger.warn(`audit tail connection lost: ${error.message}`);
      if (this.listener === client) {
        this.listener = undefined;
        this.leader = false;
      }
      this.wakeUp.wake();
    });
    await client.connect();
    this.listener = client;
    await client.query(`LISTEN ${AUDIT_NOTIFY_CHANNEL}`);
  }

  private async disconnect(): Promise<void> {
    const client = this.listener;
    this.listener = undefined;
    this.leader = false;
    // Closing the session releases the advisory lock for the next leader.
    await client?.end().catch(() => undefined);
  }

  private async tryLead(): Promise<boolean> {
    // One lock per consumer name; a session lock, so it is held exactly as long as the LISTEN connection.
    const { rows } = await this.listener!.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended('airlock:audit-tail:' || $1, 0)) AS locked", [
      this.options.consumer,
    ]);
    return rows[0]?.locked === true;
  }

  /** A new consumer starts at the head: it reacts to what happens from now on (open approvals are caught up by onLeader). */
  private async loadCursor(): Promise<bigint> {
    const { pool } = this.options.db;
    await pool.query(
      `INSERT INTO audit_cursors (consumer, seq, updated_at)
       VALUES ($1, (SELECT coalesce(max(seq), 0) FROM audit_events), now()) ON CONFLICT (consumer) DO NOTHING`,
      [this.options.consumer],
    );
    const { rows } = await pool.query<{ seq: string }>('SELECT seq::text AS seq FROM audit_cursors WHERE consumer = $1', [this.options.consumer]);
    return BigInt(rows[0]?.seq ?? '0');
  }

  /** Reads on from the cursor; returns what the handler threw, the cursor left before that batch. */
  private async drain(): Promise<{ error: unknown } | undefined> {
    const { pool } = this.options.db;
    const batchSize = this.options.batchSize ?? 200;
    while (!this.stopped && this.leader) {
      // The text of seq under its own name: ORDER BY seq would sort an output column named seq, as text ('100' before '99'),
      // and the cursor, the batch's last row, would skip events (or read them again) wherever a batch crosses a power of ten.
      const { rows } = await pool.query<{ seq_text: string; action_id: string | null; type: string }>(
        'SELECT seq::text AS seq_text, action_id, type FROM audit_events WHERE seq > $1 ORDER BY seq ASC LIMIT $2',
        [this.cursor.toString(), batchSize],
      );
      if (rows.length === 0) return undefined;
      // Rows are visible a moment before they are durable (early lock release): the handler waits before it sends
      // anything it read (onEvents), so a batch that sends nothing costs no WAL flush.
      let failed: { error: unknown } | undefined;
      try {
        await this.options.onEvents(rows.map((r) => ({ seq: BigInt(r.seq_text), actionId: r.action_id, type: r.type })));
      } catch (error) {
        failed = { error };
      }
      // The LISTEN session ended while the batch was handled: the lock is free, and the next leader reads these events
      // from the cursor as it is (the handler stops at its next send: onEvents). This process writes nothing more.
      if (!this.leader) {
        this.options.logger.warn('audit tail: lost the lead while handling a batch; the next leader handles it');
        return undefined;
      }
      if (failed) return failed;
      this.cursor = BigInt(rows[rows.length - 1]!.seq_text);
      // Progress, not a record: a crash that loses this update has the events read again, which the notifier
      // handles without effect (claim rows, rendered hashes). So its commit does not wait for the WAL flush.
      // Never backwards: a process whose lead ended without its noticing yet must not undo the next leader's progress.
      await pool.query(`UPDATE audit_cursors SET seq = $2, updated_at = now() WHERE consumer = $1 AND seq < $2 AND ${COMMIT_WITHOUT_FLUSH} IS NOT NULL`, [
        this.options.consumer,
        this.cursor.toString(),
      ]);
      if (rows.length < batchSize) return undefined;
    }
    return undefined;
  }
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
