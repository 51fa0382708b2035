import { inTransaction, listCheckpoints, type Db } from '@airlock/db';
import type pg from 'pg';
import { newDeliveryId } from './ids.js';
import { checkpointWebhookEvent, subscribedTo, webhookEventsOf, type LifecycleAuditRow, type WebhookEvent } from './events.js';

/** The audit cursor (audit_cursors.consumer) the outbox is derived under. */
export const WEBHOOK_CURSOR = 'webhooks';
/** The cursor over audit_checkpoints (`audit.checkpoint` events); its `seq` column holds the last derived checkpoint's number n. */
export const CHECKPOINT_WEBHOOK_CURSOR = 'webhooks:checkpoints';

/**
 * Takes the outbox cursor's row lock (and returns the cursor): derivation holds it while it reads the subscriptions and
 * queues their deliveries, so nothing it derives commits between this and the caller's commit. A subscription's
 * creation and removal take it first, inside their transaction.
 */
export async function lockOutboxCursorIn(tx: pg.PoolClient): Promise<bigint> {
  await ensureCursorIn(tx);
  const { rows } = await tx.query<{ seq: string }>('SELECT seq::text AS seq FROM audit_cursors WHERE consumer = $1 FOR UPDATE', [WEBHOOK_CURSOR]);
  return BigInt(rows[0]!.seq);
}

/**
 * Where a new subscription starts (its `from_seq`): the newest audit row, read under the outbox cursor's lock, so
 * derivation cannot run between the read and the subscription's commit. Every audit row after it is derived with the
 * subscription in view; none before it is, however far the cursor lags behind (workers down or slow): those rows are
 * history to the subscription. (Appends commit in seq order: every row up to the newest one seen has committed; a row
 * committing after the read is after the subscription's creation, and is sent.) Call inside the transaction that
 * inserts the subscription.
 */
export async function subscriptionStartIn(tx: pg.PoolClient): Promise<bigint> {
  await lockOutboxCursorIn(tx);
  const { rows } = await tx.query<{ seq: string }>('SELECT coalesce(max(seq), 0)::text AS seq FROM audit_events');
  return BigInt(rows[0]!.seq);
}

/** A cursor that does not exist yet starts at the head: no subscription existed before it. */
async function ensureCursorIn(tx: pg.PoolClient): Promise<void> {
  await tx.query(
    `INSERT INTO audit_cursors (consumer, seq, updated_at)
     VALUES ($1, (SELECT coalesce(max(seq), 0) FROM audit_events), now()) ON CONFLICT (consumer) DO NOTHING`,
    [WEBHOOK_CURSOR],
  );
}

interface AuditRowSql {
  seq: string;
  action_id: string | null;
  type: string;
  actor: string;
  payload: unknown;
  created_at: Date;
  agent_id: string | null;
  tool: string | null;
  edit_classified: unknown;
}

interface Subscription {
  id: string;
  events: string[];
  fromSeq: bigint;
}

/**
 * Reads the audit rows after the cursor and queues one delivery per (event,
 * matching subscription), advancing the cursor in the same transaction: a crash
 * either loses both or keeps both, so no event is skipped and none queued twice
 * (the dedupe key makes a re-derivation a no-op). Appends commit in seq order
 * (the audit chain's lock), so `seq > cursor` never passes over a late commit.
 * Signed checkpoints are derived the same way under their own cursor (they
 * commit in n order: one checkpoint at a time). Returns how many audit rows and
 * checkpoints it read.
 */
export async function deriveDeliveries(db: Db, options: { batchSize?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  if (!(await anythingToDerive(db))) return 0;
  return inTransaction(db, async (tx) => {
    const cursor = await lockOutboxCursorIn(tx);
    const subscriptions = (
      await tx.query<{ id: string; events: string[]; from_seq: string }>('SELECT id, events, from_seq::text AS from_seq FROM webhook_subscriptions WHERE removed_at IS NULL')
    ).rows.map((s) => ({ id: s.id, events: s.events, fromSeq: BigInt(s.from_seq) }));
    if (subscriptions.length === 0) {
      // Nobody listens: move both cursors to the head without reading payloads.
      const { rowCount } = await tx.query(
        `UPDATE audit_cursors SET seq = head.seq, updated_at = now()
         FROM (SELECT coalesce(max(seq), 0) AS seq FROM audit_events) head
         WHERE consumer = $1 AND audit_cursors.seq < head.seq`,
        [WEBHOOK_CURSOR],
      );
      await tx.query(
        `INSERT INTO audit_cursors (consumer, seq, updated_at) SELECT $1, coalesce(max(n), 0), now() FROM audit_checkpoints
         ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = now() WHERE audit_cursors.seq < excluded.seq`,
        [CHECKPOINT_WEBHOOK_CURSOR],
      );
      return rowCount ?? 0;
    }
    const rowsRead = await deriveFromAuditRows(tx, cursor, subscriptions, batchSize);
    return rowsRead + (await deriveFromCheckpoints(tx, subscriptions, batchSize));
  });
}

/**
 * Whether a derivation could find anything: an audit row past the outbox cursor, or a checkpoint past the checkpoint
 * cursor (or a cursor not made yet). Every dispatcher pass derives first (about once a second per worker, and almost
 * always idle): this plain read, two index look-ups for the heads, spares an idle pass the transaction that locks
 * the cursor. What commits after it is found by the next pass, as by a transaction that started at the same moment.
 */
async function anythingToDerive(db: Db): Promise<boolean> {
  const { rows } = await db.pool.query<{ anything: boolean }>(
    `SELECT (SELECT seq FROM audit_cursors WHERE consumer = $1) IS NULL
         OR (SELECT max(seq) FROM audit_events) > (SELECT seq FROM audit_cursors WHERE consumer = $1)
         OR (SELECT max(n) FROM audit_checkpoints) > coalesce((SELECT seq FROM audit_cursors WHERE consumer = $2), -1) AS anything`,
    [WEBHOOK_CURSOR, CHECKPOINT_WEBHOOK_CURSOR],
  );
  return rows[0]!.anything;
}

async function deriveFromAuditRows(tx: pg.PoolClient, cursor: bigint, subscriptions: readonly Subscription[], batchSize: number): Promise<number> {
  // An approved round's closing is read with the last edit classified in that round before it, if any: the policy's
  // verdict on the approver's edit that closed it (an edit under review holds the round, and one reviewed closes it).
  // The round is in the row's event key: `<action>:edit.classified:<round>`, or `<round>.<n>` for a later edit of the
  // round (activities). By the action's rows, newest first (the (action_id, seq) index).
  const { rows } = await tx.query<AuditRowSql>(
    `SELECT e.seq::text AS seq, e.action_id, e.type, e.actor, e.payload, e.created_at, a.agent_id, a.tool, edit.payload AS edit_classified
     FROM audit_events e LEFT JOIN actions a ON a.id = e.action_id
     LEFT JOIN LATERAL (
       SELECT c.payload FROM audit_events c
       WHERE e.type = 'approval.approved' AND e.payload ? 'round' AND c.action_id = e.action_id AND c.seq < e.seq AND c.type = 'approval.edit_classified'
         AND (c.event_key = e.action_id || ':edit.classified:' || (e.payload->>'round')
           OR starts_with(c.event_key, e.action_id || ':edit.classified:' || (e.payload->>'round') || '.'))
       ORDER BY c.seq DESC LIMIT 1
     ) edit ON true
     WHERE e.seq > $1 ORDER BY e.seq ASC LIMIT $2`,
    [cursor.toString(), batchSize],
  );
  if (rows.length === 0) return 0;
  const queued: unknown[][] = [];
  for (const raw of rows) {
    const row: LifecycleAuditRow = {
      seq: BigInt(raw.seq),
      actionId: raw.action_id,
      type: raw.type,
      actor: raw.actor,
      payload: raw.payload,
      createdAt: raw.created_at,
      agentId: raw.agent_id,
      tool: raw.tool,
      ...(raw.edit_classified === null ? {} : { editClassified: raw.edit_classified }),
    };
    for (const event of webhookEventsOf(row)) queued.push(...deliveriesOf(event, row.seq, subscriptions));
  }
  for (let i = 0; i < queued.length; i += 200) await insertDeliveriesIn(tx, queued.slice(i, i + 200));
  await tx.query('UPDATE audit_cursors SET seq = $2, updated_at = now() WHERE consumer = $1', [WEBHOOK_CURSOR, rows.at(-1)!.seq]);
  return rows.length;
}

/**
 * Queues `audit.checkpoint` for each checkpoint after the checkpoint cursor. A
 * subscription receives the checkpoints that sign rows after its creation (its
 * `from_seq`), like every other event: never history.
 */
async function deriveFromCheckpoints(tx: pg.PoolClient, subscriptions: readonly Subscription[], batchSize: number): Promise<number> {
  await tx.query('INSERT INTO audit_cursors (consumer, seq, updated_at) VALUES ($1, 0, now()) ON CONFLICT (consumer) DO NOTHING', [CHECKPOINT_WEBHOOK_CURSOR]);
  const { rows } = await tx.query<{ n: string }>('SELECT seq::text AS n FROM audit_cursors WHERE consumer = $1', [CHECKPOINT_WEBHOOK_CURSOR]);
  const checkpoints = await listCheckpoints(tx, { afterN: Number(rows[0]!.n), limit: batchSize });
  if (checkpoints.length === 0) return 0;
  const queued = checkpoints.flatMap((checkpoint) => deliveriesOf(checkpointWebhookEvent(checkpoint), BigInt(checkpoint.seq), subscriptions));
  for (let i = 0; i < queued.length; i += 200) await insertDeliveriesIn(tx, queued.slice(i, i + 200));
  await tx.query('UPDATE audit_cursors SET seq = $2, updated_at = now() WHERE consumer = $1', [CHECKPOINT_WEBHOOK_CURSOR, checkpoints.at(-1)!.n]);
  return checkpoints.length;
}

/** One delivery row per subscription that takes `event` (about the audit row at `seq`). */
function deliveriesOf(event: WebhookEvent, seq: bigint, subscriptions: readonly Subscription[]): unknown[][] {
  return subscriptions
    .filter((subscription) => seq > subscription.fromSeq && subscribedTo(subscription.events, event.type))
    .map((subscription) => [newDeliveryId(), subscription.id, event.id, event.type, `${subscription.id}:${event.id}`, seq.toString(), JSON.stringify(event.body)]);
}

async function insertDeliveriesIn(tx: pg.PoolClient, rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((_, i) => `($${i * 7 + 1}, $${i * 7 + 2}, $${i * 7 + 3}, $${i * 7 + 4}, $${i * 7 + 5}, $${i * 7 + 6}::bigint, $${i * 7 + 7}::jsonb, 'pending', now())`);
  await tx.query(
    `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, dedupe_key, audit_seq, payload, status, next_attempt_at)
     VALUES ${values.join(', ')} ON CONFLICT (dedupe_key) DO NOTHING`,
    rows.flat(),
  );
}
