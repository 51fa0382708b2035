import type { Db } from '@airlock/db';
import pg from 'pg';
import { consoleLogger } from '../../api/telemetry.js';

/** What the live views need to know about a new audit row: enough to decide whether to refresh. */
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

/**
 * One process-wide reader of the audit log for every open live view: one LISTEN
 * connection and one keyset read by seq per wake-up, however many browsers listen.
 */
class AuditFeed {
  private readonly listeners = new Set<Listener>();
  private lastSeq: string | null = null;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly db: Db,
    private readonly databaseUrl: string,
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private start(): void {
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.wake();
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
      'SELECT seq::text AS seq, type, action_id FROM audit_events WHERE seq > $1 ORDER BY seq ASC LIMIT 500',
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
