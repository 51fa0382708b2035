import { auditRowHash, GENESIS_HASH } from '@airlock/db';
import type pg from 'pg';
import { insertRows, type Column } from './batch-insert.js';
import type { DataSet, EventKind, SeededAction } from './data-set.js';

const COLUMNS: Column[] = [
  ['seq', 'bigint[]'],
  ['event_key', 'text[]'],
  ['action_id', 'text[]'],
  ['type', 'text[]'],
  ['actor', 'text[]'],
  ['payload', 'jsonb[]'],
  ['created_at', 'timestamptz[]'],
  ['prev_hash', 'text[]'],
  ['hash', 'text[]'],
];

interface EventContent {
  suffix: string;
  type: string;
  actor: string;
  payload: Record<string, unknown>;
}

/** What the activities would have written for this event (same keys, types and actors; payloads close to theirs). */
function content(a: SeededAction, kind: EventKind): EventContent {
  const toolKey = `${a.id}:tool`;
  const approval = a.approval;
  switch (kind) {
    case 'action.requested':
      return {
        suffix: 'requested',
        type: kind,
        actor: `agent:${a.agentId}`,
        payload: { tool: a.tool, args: a.args, argsHash: a.argsHash, rationale: `Routine ${a.tool}`, requestedBy: null },
      };
    case 'guardrail.flagged':
      return { suffix: 'guardrails', type: kind, actor: 'system:guardrails', payload: { flags: a.guardrailFlags } };
    case 'budget.reserved':
      return { suffix: 'budget', type: kind, actor: 'system:budget', payload: { amount: a.cost?.amount ?? '0.00', currency: 'USD' } };
    case 'action.classified':
      return {
        suffix: 'classified',
        type: kind,
        actor: 'system:policy',
        payload: { decision: approval ? 'require_approval' : a.status === 'denied' ? 'deny' : 'allow', tier: a.tier, reasons: [`tier ${a.tier} by policy`] },
      };
    case 'approval.opened':
      return {
        suffix: 'approval.opened:1',
        type: kind,
        actor: 'system:workflow',
        payload: { approvalId: approval?.id ?? null, round: 1, requiredApprovals: 1, approverRole: 'approver' },
      };
    case 'approval.decision': {
      const d = approval?.decision;
      return {
        suffix: `decision:1:${d?.userId ?? ''}`,
        type: kind,
        actor: `user:${d?.userId ?? ''}`,
        payload: { approvalId: approval?.id ?? null, approverId: d?.userId ?? null, decision: d?.kind ?? null, channel: d?.channel ?? null },
      };
    }
    case 'approval.closed': {
      const type = approval?.status === 'expired' ? 'approval.timed_out' : `approval.${approval?.status ?? 'closed'}`;
      return {
        suffix: 'approval.closed:1',
        type,
        actor: approval?.status === 'expired' ? 'system:deadline' : 'system:workflow',
        payload: { approvalId: approval?.id ?? null, round: 1 },
      };
    }
    case 'tool.started':
    case 'tool.succeeded':
    case 'tool.failed':
      return { suffix: `${kind}:${toolKey}`, type: kind, actor: 'system:executor', payload: { tool: a.tool } };
    case 'action.completed':
      return { suffix: 'completed', type: kind, actor: 'system:workflow', payload: { actionId: a.id, status: a.status } };
  }
}

/**
 * The audit log in time order, hash-chained exactly as appendAudit chains it
 * (auditRowHash over the previous hash and every column but seq), inserted in
 * batches. Hashing the next batch overlaps the insert of the previous one.
 */
export async function seedAuditLog(pool: pg.Pool, data: DataSet, onProgress: (rows: number) => void): Promise<string> {
  const { times, actions, kinds } = data.events;
  const order = Array.from({ length: times.length }, (_, i) => i);
  // Ties keep emission order, which is each action's own order.
  order.sort((x, y) => times[x]! - times[y]! || x - y);
  let prevHash = GENESIS_HASH;
  let inFlight: Promise<void> = Promise.resolve();
  const batchSize = 5000;
  for (let start = 0; start < order.length; start += batchSize) {
    const rows: unknown[][] = [];
    for (let k = start; k < Math.min(start + batchSize, order.length); k++) {
      const i = order[k]!;
      const action = data.actions[actions[i]!]!;
      const { suffix, type, actor, payload } = content(action, kinds[i]!);
      const createdAt = new Date(times[i]!);
      const row = { eventKey: `${action.id}:${suffix}`, actionId: action.id, type, actor, payload, createdAt, prevHash };
      const hash = auditRowHash(row);
      rows.push([k + 1, row.eventKey, row.actionId, type, actor, JSON.stringify(payload), createdAt.toISOString(), prevHash, hash]);
      prevHash = hash;
    }
    await inFlight;
    onProgress(start);
    inFlight = insertRows(pool, 'audit_events', COLUMNS, rows, batchSize);
  }
  await inFlight;
  await pool.query(`SELECT setval(pg_get_serial_sequence('audit_events', 'seq'), $1)`, [order.length]);
  return prevHash;
}
