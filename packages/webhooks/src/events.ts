import { parseAuditEvent, type ActionOutcome } from '@airlock/core';
import type { AuditCheckpoint } from '@airlock/db';
import { z } from 'zod';

/**
 * The action lifecycle as webhook receivers see it, each derived from one audit
 * row (the log is the source of truth), so a receiver sees what the audit log
 * says, in its order; and `audit.checkpoint`, each signed checkpoint of the log
 * (from audit_checkpoints), which a receiver keeps outside Airlock's database.
 */
export const WEBHOOK_EVENT_TYPES = [
  'action.requested',
  'action.approval_opened',
  'action.approval_escalated',
  'action.decided',
  'action.notified',
  'action.executed',
  'action.failed',
  'action.denied',
  'action.expired',
  'action.cancelled',
  'audit.checkpoint',
] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** An audit row as the dispatcher reads it, with the action's agent and tool joined in. */
export interface LifecycleAuditRow {
  seq: bigint;
  actionId: string | null;
  type: string;
  actor: string;
  payload: unknown;
  createdAt: Date;
  agentId: string | null;
  tool: string | null;
}

/** One webhook event; `id` is the Standard Webhooks `webhook-id`, stable for the event. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** The Standard Webhooks payload: `{ type, timestamp, data }`. */
  body: { type: WebhookEventType; timestamp: string; data: Record<string, unknown> };
}

type Data = Record<string, unknown>;

const COMPLETED = {
  executed: 'action.executed',
  failed: 'action.failed',
  denied: 'action.denied',
  expired: 'action.expired',
  cancelled: 'action.cancelled',
} as const satisfies Record<ActionOutcome['status'], WebhookEventType>;

/**
 * The webhook events one audit row stands for (none for most rows). The row is
 * parsed with the audit event catalogue; the data sent is the payload's fields,
 * already redacted when written; the tool's output never enters the audit log,
 * so it is never sent either. A row the catalogue does not describe sends nothing.
 */
export function webhookEventsOf(row: LifecycleAuditRow): WebhookEvent[] {
  if (!row.actionId) return [];
  const event = parseAuditEvent(row.type, row.payload);
  const found: [WebhookEventType, Data][] = [];
  switch (event.type) {
    case 'action.requested': {
      const { args, argsHash, rationale, requestedBy } = event.payload;
      found.push(['action.requested', { args, argsHash, rationale, requestedBy: requestedBy ?? null }]);
      break;
    }
    case 'action.classified': {
      const payload = event.payload;
      const classification = { tier: payload.tier, reasons: payload.reasons, policyVersion: payload.policyVersion ?? null };
      // require_approval is followed by approval.opened; the round's end is the decision.
      if (payload.decision === 'allow' || payload.decision === 'deny') {
        found.push(['action.decided', { decision: payload.decision, decidedBy: 'policy', ...classification }]);
      }
      if (payload.decision === 'allow' && payload.notify === true) found.push(['action.notified', { reason: 'allow_and_notify', ...classification }]);
      break;
    }
    case 'approval.opened':
      found.push(['action.approval_opened', pick(event.payload, ['approvalId', 'round', 'deadline', 'requiredApprovals', 'approverRole', 'approverGroup', 'eligibleApprovers'])]);
      break;
    case 'approval.escalated':
      found.push(['action.approval_escalated', pick(event.payload, ['approvalId', 'level', 'to', 'eligibleApprovers'])]);
      break;
    case 'approval.approved':
    case 'approval.denied':
      found.push([
        'action.decided',
        { decision: event.type === 'approval.approved' ? 'allow' : 'deny', decidedBy: 'approvers', ...pick(event.payload, ['approvalId', 'round', 'reason']) },
      ]);
      break;
    case 'action.completed':
      found.push([COMPLETED[event.payload.status], pick(event.payload, ['status', 'reason', 'feedback', 'error'])]);
      break;
    default:
      break;
  }
  return found.map(([type, data], index) => ({
    // One audit row can stand for two events (allowed and notified): the index keeps their ids apart.
    id: `evt_${row.seq}_${index}`,
    type,
    body: {
      type,
      timestamp: row.createdAt.toISOString(),
      data: { actionId: row.actionId, agentId: row.agentId, tool: row.tool, auditSeq: row.seq.toString(), actor: row.actor, ...data },
    },
  }));
}

/**
 * The event for a signed checkpoint. `data` is the checkpoint exactly as the
 * file sink writes it (without `kind`), so a receiver that appends
 * `{"kind":"checkpoint",...data}` lines to a file can hand it to
 * `airlock audit verify --checkpoints` or tools/verify_audit_export.py.
 */
export function checkpointWebhookEvent(checkpoint: AuditCheckpoint): WebhookEvent {
  const { n, seq, hash, signedAt, keyId, signature } = checkpoint;
  return { id: `ckpt_${n}`, type: 'audit.checkpoint', body: { type: 'audit.checkpoint', timestamp: signedAt, data: { n, seq, hash, signedAt, keyId, signature } } };
}

/** The named fields the payload has (a field a variant lacks is left out, as an undefined one is). */
function pick<P extends object>(payload: P, keys: readonly string[]): Data {
  const fields = new Map(Object.entries(payload));
  const out: Data = {};
  for (const key of keys) if (fields.get(key) !== undefined) out[key] = fields.get(key);
  return out;
}

/** Whether a subscription with this filter receives `type` (an empty filter takes everything). */
export function subscribedTo(filter: readonly string[], type: WebhookEventType): boolean {
  return filter.length === 0 || filter.includes(type);
}
