import { randomUUID } from 'node:crypto';
import { auditRowHash, GENESIS_HASH, type Db } from '@airlock/db';

/** The five rows of an auto-approved action, with payloads shaped like the real ones (what redaction leaves). */
function actionRows(actionId: string, n: number) {
  return [
    {
      type: 'action.requested',
      actor: 'agent:billing-bot',
      payload: {
        tool: 'payments.refund',
        args: { paymentId: `pay_${n}`, amount: '25.00', currency: 'USD', reason: 'duplicate charge' },
        argsHash: 'a'.repeat(64),
        rationale: 'The customer was charged twice for order 881.',
        requestedBy: null,
      },
    },
    {
      type: 'action.classified',
      actor: 'system:policy',
      payload: {
        decision: 'allow',
        tier: 'low',
        reasons: ['small-refunds: refunds up to 50.00 run without approval'],
        policyVersion: '27db16d3b800b458',
        matchedRules: ['small-refunds'],
      },
    },
    { type: 'tool.started', actor: 'system:executor', payload: { tool: 'payments.refund', idempotencyKey: `${actionId}:run` } },
    { type: 'tool.succeeded', actor: 'system:executor', payload: { tool: 'payments.refund' } },
    { type: 'action.completed', actor: 'system:workflow', payload: { status: 'executed', actionId } },
  ];
}

const BATCH = 2_000;

/**
 * Writes `count` valid chained rows straight into audit_events (hashes computed
 * here exactly as appendAudit does, inserted 2,000 per statement), so seeding
 * 200,000 rows takes seconds instead of 200,000 locked transactions.
 */
export async function seedAuditChain(db: Db, count: number, log: (line: string) => void): Promise<void> {
  let prevHash = GENESIS_HASH;
  let actionId = randomUUID();
  let pending: ReturnType<typeof actionRows> = [];
  const start = Date.now() - count;
  for (let written = 0; written < count;) {
    const cols = {
      key: [] as string[],
      action: [] as string[],
      type: [] as string[],
      actor: [] as string[],
      payload: [] as string[],
      at: [] as Date[],
      prev: [] as string[],
      hash: [] as string[],
    };
    for (let i = 0; i < BATCH && written < count; i++, written++) {
      if (pending.length === 0) {
        actionId = randomUUID();
        pending = actionRows(actionId, written);
      }
      const event = pending.shift()!;
      const row = {
        eventKey: `${actionId}:${event.type}`,
        actionId,
        type: event.type,
        actor: event.actor,
        payload: JSON.parse(JSON.stringify(event.payload)) as unknown,
        createdAt: new Date(start + written),
        prevHash,
      };
      const hash = auditRowHash(row);
      cols.key.push(row.eventKey);
      cols.action.push(actionId);
      cols.type.push(row.type);
      cols.actor.push(row.actor);
      cols.payload.push(JSON.stringify(row.payload));
      cols.at.push(row.createdAt);
      cols.prev.push(prevHash);
      cols.hash.push(hash);
      prevHash = hash;
    }
    await db.pool.query(
      `INSERT INTO audit_events (event_key, action_id, type, actor, payload, created_at, prev_hash, hash)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[], $7::text[], $8::text[])`,
      [cols.key, cols.action, cols.type, cols.actor, cols.payload, cols.at, cols.prev, cols.hash],
    );
    if (written % 50_000 < BATCH) log(`audit: ${written} rows seeded`);
  }
}
