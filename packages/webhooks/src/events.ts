import { parseAuditEvent, timeoutOutcomeOf, type AuditPayload } from '@airlock/core';
import type { AuditCheckpoint } from '@airlock/db';
import { z } from 'zod';
import { WEBHOOK_EVENT_DATA, type LIFECYCLE_FIELDS, type WebhookEventDataOf } from './payloads.js';

/**
 * The action lifecycle as webhook receivers see it, each derived from one audit
 * row (the log is the source of truth), so a receiver sees what the audit log
 * says, in its order; `slack.delivery_failed`, an action's Slack message given up
 * (an approval request nobody may have seen in Slack is what an operator's pager
 * is for); and `audit.checkpoint`, each signed checkpoint of the log (from
 * audit_checkpoints), which a receiver keeps outside Airlock's database.
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
  'slack.delivery_failed',
  'audit.checkpoint',
] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

// Every event type has its body's schema (payloads.ts).
WEBHOOK_EVENT_DATA satisfies Record<WebhookEventType, z.ZodType>;

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
  /**
   * For an `approval.approved` row: the payload of the last `approval.edit_classified` row of its round before it, if
   * an approver's edit was classified in that round (the policy's verdict on the edited arguments, which the closing
   * row only names).
   */
  editClassified?: unknown;
}

/** One webhook event; `id` is the Standard Webhooks `webhook-id`, stable for the event. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** The Standard Webhooks payload: `{ type, timestamp, data }`. */
  body: { type: WebhookEventType; timestamp: string; data: Record<string, unknown> };
}

type Data = Record<string, unknown>;

/**
 * The webhook events one audit row stands for (none for most rows). The row is
 * parsed with the audit event catalogue; the data sent is the payload's fields,
 * already redacted when written; the tool's output never enters the audit log,
 * so it is never sent either. A row the catalogue does not describe sends nothing.
 */
export function webhookEventsOf(row: LifecycleAuditRow): WebhookEvent[] {
  if (!row.actionId) return [];
  const event = parseAuditEvent(row.type, row.payload);
  const found: LifecycleEvent[] = [];
  switch (event.type) {
    case 'action.requested': {
      const { args, argsHash, rationale, requestedBy } = event.payload;
      found.push(lifecycle('action.requested', { args, argsHash, rationale, requestedBy: requestedBy ?? null }));
      break;
    }
    case 'action.classified': {
      const payload = event.payload;
      const classification = { tier: payload.tier, reasons: payload.reasons, policyVersion: payload.policyVersion ?? null };
      // require_approval is followed by approval.opened; the round's end is the decision.
      if (payload.decision === 'allow' || payload.decision === 'deny') {
        found.push(lifecycle('action.decided', { decision: payload.decision, decidedBy: 'policy', ...classification }));
      }
      if (payload.decision === 'allow' && payload.notify === true) found.push(lifecycle('action.notified', { reason: 'allow_and_notify', ...classification }));
      break;
    }
    case 'approval.opened': {
      const { approvalId, round, deadline, requiredApprovals, approverRole, approverGroup, eligibleApprovers } = event.payload;
      found.push(lifecycle('action.approval_opened', { approvalId, round, deadline, requiredApprovals, approverRole, approverGroup, eligibleApprovers }));
      break;
    }
    case 'approval.escalated': {
      const { approvalId, level, to, eligibleApprovers } = event.payload;
      found.push(lifecycle('action.approval_escalated', { approvalId, level, to, eligibleApprovers }));
      break;
    }
    case 'approval.approved':
    case 'approval.denied': {
      const { approvalId, round, reason } = event.payload;
      found.push(lifecycle('action.decided', { decision: event.type === 'approval.approved' ? 'allow' : 'deny', decidedBy: 'approvers', approvalId, round, reason }));
      // An approver's edit closed the round: the policy judged the edited arguments, and its allow or deny is what
      // happens next (a deny ends the action denied although the approvers approved). require_approval opens a round.
      const edit = event.type === 'approval.approved' ? editClassificationClosing(reason, row.editClassified) : undefined;
      if (edit)
        found.push(
          lifecycle('action.decided', { decision: edit.decision, decidedBy: 'policy', tier: edit.tier, reasons: edit.reasons, policyVersion: edit.policyVersion ?? null }),
        );
      break;
    }
    case 'approval.timed_out': {
      // Every timeout writes this row, whatever the rule's timeout outcome: `approve` runs the action with nobody's decision.
      const { approvalId, round, reason } = event.payload;
      const decision = timeoutDecision(reason);
      if (decision) found.push(lifecycle('action.decided', { decision, decidedBy: 'timeout', approvalId, round, reason }));
      break;
    }
    case 'action.completed': {
      const outcome = event.payload;
      switch (outcome.status) {
        case 'executed':
          found.push(lifecycle('action.executed', { status: outcome.status }));
          break;
        case 'failed':
          found.push(lifecycle('action.failed', { status: outcome.status, error: outcome.error }));
          break;
        case 'denied':
          found.push(lifecycle('action.denied', { status: outcome.status, reason: outcome.reason, feedback: outcome.feedback }));
          break;
        case 'expired':
          found.push(lifecycle('action.expired', { status: outcome.status, reason: outcome.reason }));
          break;
        case 'cancelled':
          found.push(lifecycle('action.cancelled', { status: outcome.status, reason: outcome.reason }));
          break;
      }
      break;
    }
    case 'slack.delivery_failed': {
      const { message, round, target, channel, ts, call, error, permanent, attempts, roundClosed } = event.payload;
      found.push(
        lifecycle('slack.delivery_failed', { message, round, target, channel, ts, call, error, permanent, attempts, ...(roundClosed === undefined ? {} : { roundClosed }) }),
      );
      break;
    }
    default:
      break;
  }
  const fields = { actionId: row.actionId, agentId: row.agentId, tool: row.tool, auditSeq: row.seq.toString(), actor: row.actor };
  return found.map(({ type, data }, index) => ({
    // One audit row can stand for two events (allowed and notified): the index keeps their ids apart.
    id: `evt_${row.seq}_${index}`,
    type,
    body: { type, timestamp: row.createdAt.toISOString(), data: withoutUndefined({ ...fields, ...data }) },
  }));
}

/**
 * What a timed-out round's rule decided, from the row's reason, which the workflow writes as `no decision before
 * <deadline>; timeout outcome: <outcome>` (approval-round.ts, closeRound; the same words since the first version):
 * `approve` runs the action (allow); any other outcome expires it unrun (deny). A reason in no such words sends no
 * decision (test/src/webhooks/approval-outcomes.test.ts holds the workflow's words to this).
 */
function timeoutDecision(reason: string): 'allow' | 'deny' | undefined {
  const outcome = timeoutOutcomeOf(reason);
  if (outcome === undefined) return undefined;
  return outcome === 'approve' ? 'allow' : 'deny';
}

/**
 * The policy's verdict on the edit that closed an approved round, when it is the edit the closing names: the workflow
 * closes such a round with `<approver> approved edited arguments; re-classified as <decision> (<tier>)`
 * (approval-round.ts, closeRound), and the round's last `approval.edit_classified` row before the closing holds the
 * reasons and policy version. An edit classified and then abandoned leaves its row, and a round closed otherwise (a
 * quorum's plain approval) names no edit: then nothing. A verdict that needs another round (require_approval) sends
 * nothing here: that round's opening follows.
 */
function editClassificationClosing(reason: string, editClassified: unknown): Extract<AuditPayload<'approval.edit_classified'>, { decision: 'allow' | 'deny' }> | undefined {
  if (editClassified === undefined || editClassified === null) return undefined;
  const edit = parseAuditEvent('approval.edit_classified', editClassified);
  if (edit.type !== 'approval.edit_classified') return undefined;
  const classification = edit.payload;
  if (classification.decision === 'require_approval') return undefined;
  return reason.endsWith(` approved edited arguments; re-classified as ${classification.decision} (${classification.tier})`) ? classification : undefined;
}

type LifecycleType = Exclude<WebhookEventType, 'audit.checkpoint'>;
/** A type's data without the fields every lifecycle event carries (distributed over a union's variants). */
type OwnData<T extends LifecycleType> = WebhookEventDataOf<T> extends infer D ? (D extends unknown ? Omit<D, keyof typeof LIFECYCLE_FIELDS> : never) : never;
type LifecycleEvent = { [T in LifecycleType]: { type: T; data: OwnData<T> } }[LifecycleType];

/** One lifecycle event, its data typed by the schema the OpenAPI document publishes for it (payloads.ts). */
function lifecycle<T extends LifecycleType>(type: T, data: OwnData<T>): LifecycleEvent {
  return { type, data } as LifecycleEvent;
}

/** The fields that have a value: a field a variant or an older row lacks is left out, not sent as null. */
function withoutUndefined(data: Data): Data {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
}

/**
 * The event for a signed checkpoint. `data` is the checkpoint exactly as the
 * file sink writes it (without `kind`), so a receiver that appends
 * `{"kind":"checkpoint",...data}` lines to a file can hand it to
 * `airlock audit verify --checkpoints` or tools/verify_audit_export.py.
 */
export function checkpointWebhookEvent(checkpoint: AuditCheckpoint): WebhookEvent {
  const { n, seq, hash, signedAt, keyId, signature } = checkpoint;
  const data: WebhookEventDataOf<'audit.checkpoint'> = { n, seq, hash, signedAt, keyId, signature };
  return { id: `ckpt_${n}`, type: 'audit.checkpoint', body: { type: 'audit.checkpoint', timestamp: signedAt, data } };
}

/** Whether a subscription with this filter receives `type` (an empty filter takes everything). */
export function subscribedTo(filter: readonly string[], type: WebhookEventType): boolean {
  return filter.length === 0 || filter.includes(type);
}
