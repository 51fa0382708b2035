import type { ActionWatch } from '@airlock/core/agent-gateway';
import type { Db } from '@airlock/db';
import pg from 'pg';
import { consoleLogger } from './telemetry.js';

/** What the live views and the authorization waits need to know about a new audit row. */
export interface AuditSignal {
  seq: string;
  type: string;
  actionId: string | null;
}
type Listener = (signals: AuditSignal[]) => void;

// The Slack migration's trigger notifies this channel after every audit insert commits.
const CHANNEL = 'airlock_audit';
// A missed notification (reconnect, no trigger) only costs this much delay.
const POLL_MS = 5_000;
// Agents ask for an authorization again and again (waits of up to 30 s back to back): kept open between
// their requests, the feed does not open a LISTEN connection and read the head for each one.
const LINGER_MS = 30_000;
// How long a watch waits for the feed's first read before it goes on without the guarantee.
const LIVE_WAIT_MS = 2_000;

/**
 * One process-wide reader of the audit log for every open live view and every
 * agent's authorization wait: one LISTEN connection and one keyset read by seq
 * per wake-up, however many browsers and agents listen.
 */
export class AuditFeed implements ActionWatch {
  private readonly listeners = new Set<Listener>();
  private lastSeq: string | null = null;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lingering: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  /** Settles once the feed has read the head since it started: rows committed later reach the listeners. */
  private live: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly databaseUrl: string,
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.lingering) clearTimeout(this.lingering);
    this.lingering = null;
    if (!this.timer) this.start();
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.lingering = setTimeout(() => this.stop(), LINGER_MS);
    };
  }

  /** The action's rows committed after this resolves, for an authorization wait (ActionWatch). */
  async watch(actionId: string, wake: (type: string) => void): Promise<() => void> {
    const unsubscribe = this.subscribe((signals) => {
      for (const signal of signals) if (signal.actionId === actionId) wake(signal.type);
    });
    // A head read that hangs (the database unreachable) must not hold the wait: it falls back to polling.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.live, new Promise<void>((resolve) => (timer = setTimeout(resolve, LIVE_WAIT_MS)))]);
    clearTimeout(timer);
    return unsubscribe;
  }

  /** Stops at once, listeners or not (tests; the console's own feed lives as long as the process). */
  close(): void {
    this.listeners.clear();
    if (this.lingering) clearTimeout(this.lingering);
    this.stop();
  }

  private start(): void {
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.wake();
    // The first read takes the head (or fails, and the next poll takes it): either way the waiters go on.
    this.live = this.reading!.then(
      () => undefined,
      () => undefined,
    );
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      consoleLogger().warn(`audit LISTEN connection lost (polling continues): ${error.message}`);
      if (this.client === client) this.client = null;
    });
    this.client = client;
    client
      .connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .catch((error: unknown) => {
        // A feed stopped while connecting closed the client on purpose.
        if (this.client === client) consoleLogger().warn(`LISTEN ${CHANNEL} failed (polling instead): ${String(error)}`);
      });
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.lingering = null;
    // Started again later, the feed begins at the head then, not with every row written while it was off.
    this.lastSeq = null;
    const client = this.client;
    this.client = null;
    client?.end().catch(() => undefined);
  }

  /** Reads rows after the last seen seq; wake-ups during a read are folded into one more read. */
  private wake(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read()
      .catch((error: unknown) => consoleLogger().warn({ err: error }, 'audit feed read failed'))
      .finally(() => {
        this.reading = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async read(): Promise<void> {
    if (this.lastSeq === null) {
      const head = await this.db.pool.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM audit_events');
      this.lastSeq = head.rows[0]?.seq ?? '0';
      return;
    }
    const { rows } = await this.db.pool.query<{ seq: string; type: string; action_id: string | null }>(
      // Qualified: a bare `seq` in ORDER BY names the text output column and sorts '100' before '99', so a read
      // crossing a power of ten would hand rows out of order and move lastSeq past rows it never read.
      'SELECT seq::text AS seq, type, action_id FROM audit_events WHERE audit_events.seq > $1 ORDER BY audit_events.seq ASC LIMIT 500',
      [this.lastSeq],
    );
    if (rows.length === 0) return;
    this.lastSeq = rows[rows.length - 1]!.seq;
    const signals = rows.map((r) => ({ seq: r.seq, type: r.type, actionId: r.action_id }));
    for (const listener of this.listeners) listener(signals);
    if (rows.length === 500) this.again = true;
  }
}

const holder = globalThis as typeof globalThis & { airlockAuditFeed?: AuditFeed };

export function auditFeed(db: Db, databaseUrl: string): AuditFeed {
  holder.airlockAuditFeed ??= new AuditFeed(db, databaseUrl);
  return holder.airlockAuditFeed;
}
