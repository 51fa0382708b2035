import { ActionOutcome as CoreActionOutcome, ActionRequest, ApprovalDecision, Channel, DecisionKind, RiskTier, Role, type ActionPhase } from '@airlock/core';
import type { Action, Approval } from '@airlock/db';
import { z } from 'zod';

// The REST API's request and response schemas, defined once: handlers validate
// with them and openapi.ts documents them. `.meta({ id })` names an OpenAPI component.

const Timestamp = z.iso.datetime().meta({ description: 'ISO 8601 timestamp (UTC)', example: '2026-11-22T09:30:00.000Z' });
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest');

export const ActionId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'an action id')
  .meta({ description: 'Derived from (agent, idempotency key)', example: '0f5b8c1e-2d3a-5b4c-9d8e-7f6a5b4c3d2e' });

export const Issue = z.object({ path: z.string(), message: z.string() }).meta({ id: 'Issue' });
export type Issue = z.infer<typeof Issue>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(['invalid_json', 'invalid_request', 'unauthenticated', 'forbidden', 'not_found', 'idempotency_conflict', 'decision_rejected', 'unavailable', 'internal']),
      message: z.string(),
      issues: z.array(Issue).optional().meta({ description: 'One entry per bad field, e.g. `args.amount`' }),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;

// Exhaustive by construction: a status added to the Prisma schema fails to compile here until listed.
const actionStatuses = {
  requested: 'requested',
  awaiting_approval: 'awaiting_approval',
  running: 'running',
  executed: 'executed',
  denied: 'denied',
  expired: 'expired',
  failed: 'failed',
  cancelled: 'cancelled',
} as const satisfies { [S in Action['status']]: S };
export const ActionStatus = z.enum(actionStatuses).meta({ id: 'ActionStatus' });

const approvalStatuses = { open: 'open', approved: 'approved', denied: 'denied', expired: 'expired', cancelled: 'cancelled' } as const satisfies {
  [S in Approval['status']]: S;
};
export const ApprovalStatus = z.enum(approvalStatuses).meta({ id: 'ApprovalStatus' });

const phases = {
  classifying: 'classifying',
  awaiting_approval: 'awaiting_approval',
  rechecking: 'rechecking',
  running: 'running',
  completing: 'completing',
  completed: 'completed',
} as const satisfies { [P in ActionPhase]: P };
export const WorkflowPhase = z.enum(phases).meta({ id: 'WorkflowPhase' });

export const ActionOutcome = CoreActionOutcome.meta({ id: 'ActionOutcome', description: 'What the agent gets back; `feedback` is written for the model' });
export type ActionOutcome = z.infer<typeof ActionOutcome>;

// ---- POST /actions

// Strict: unknown fields are refused, and agentId in particular, because the agent is the key's owner.
export const SubmitActionBody = z
  .strictObject(ActionRequest.omit({ agentId: true }).shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' && issue.keys.includes('agentId')
        ? 'agentId is not accepted: the agent is the owner of the API key'
        : undefined,
  })
  .meta({ id: 'SubmitActionBody', description: 'A request to run a tool. `args` is checked against the tool’s schema when the tool is known.' });
export type SubmitActionBody = z.infer<typeof SubmitActionBody>;

export const SubmittedAction = z
  .object({
    actionId: ActionId,
    created: z.boolean().meta({ description: 'False when the idempotency key matched an earlier action' }),
    argsHash: Sha256Hex,
    links: z.object({ self: z.string(), outcome: z.string() }),
  })
  .meta({ id: 'SubmittedAction' });
export type SubmittedAction = z.infer<typeof SubmittedAction>;

// ---- GET /actions/:id

export const RecordedDecision = z
  .object({
    approverId: z.string(),
    decision: DecisionKind,
    channel: Channel,
    comment: z.string().nullable(),
    feedback: z.string().nullable(),
    argsHash: Sha256Hex,
    editedArgs: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Set when the approver approved edited arguments' }),
    decidedAt: Timestamp,
  })
  .meta({ id: 'RecordedDecision' });
export type RecordedDecision = z.infer<typeof RecordedDecision>;

export const Quorum = z
  .object({ approvals: z.number().int(), required: z.number().int(), denials: z.number().int() })
  .meta({ id: 'Quorum', description: 'Approvals so far against the approvals required; one denial closes the approval' });
export type Quorum = z.infer<typeof Quorum>;

export const ApprovalView = z
  .object({
    id: z.string(),
    round: z.number().int().meta({ description: 'An edit to the arguments opens a new round bound to the new arguments' }),
    status: ApprovalStatus,
    approverRole: Role,
    approverGroup: z.string().nullable(),
    escalationLevel: z.number().int(),
    quorum: Quorum,
    argsHash: Sha256Hex,
    budgetImpact: z.unknown().meta({ description: 'Budget, spent, reserved and this action’s cost, when a budget applies' }),
    deadline: Timestamp.nullable().meta({ description: 'When the approval times out; null when it waits indefinitely' }),
    timeoutOutcome: z.string(),
    createdAt: Timestamp,
    closedAt: Timestamp.nullable(),
    decisions: z.array(RecordedDecision),
  })
  .meta({ id: 'Approval' });

export const ActionView = z
  .object({
    id: ActionId,
    agentId: z.string(),
    tool: z.string(),
    args: z.record(z.string(), z.unknown()),
    argsHash: Sha256Hex,
    rationale: z.string(),
    idempotencyKey: z.string(),
    requestedBy: z.string().nullable(),
    status: ActionStatus,
    tier: RiskTier.nullable(),
    reasons: z.array(z.string()),
    outcome: ActionOutcome.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    completedAt: Timestamp.nullable(),
    approval: ApprovalView.nullable().meta({ description: 'The latest approval round, if the action needed one' }),
    workflow: z
      .object({ phase: WorkflowPhase })
      .nullable()
      .meta({ description: 'Live state from the workflow while the action is in flight; null once done or if the workflow did not answer in time' }),
  })
  .meta({ id: 'Action' });
export type ActionView = z.infer<typeof ActionView>;

export const PendingAction = z
  .object({ status: z.literal('requested'), actionId: ActionId })
  .meta({ id: 'PendingAction', description: 'Accepted, but the workflow has not admitted it yet; retry shortly' });

// ---- GET /actions/:id/outcome

export const OutcomeQuery = z.object({
  waitMs: z.coerce.number().int().min(0).max(30_000).default(0).meta({ description: 'How long to wait for the outcome (long poll), 0..30000 ms' }),
});

export const PendingOutcome = z.object({ status: z.literal('pending'), actionId: ActionId }).meta({ id: 'PendingOutcome' });

// ---- GET /approvals

export const ApprovalListQuery = z.object({
  status: ApprovalStatus.default('open'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const ApprovalSummary = z
  .object({
    approvalId: z.string(),
    actionId: ActionId,
    status: ApprovalStatus,
    agentId: z.string(),
    tool: z.string(),
    args: z.record(z.string(), z.unknown()),
    argsHash: Sha256Hex.meta({ description: 'Send this back with a decision: it binds the decision to these exact arguments' }),
    rationale: z.string(),
    requestedBy: z.string().nullable(),
    tier: RiskTier.nullable(),
    reasons: z.array(z.string()),
    round: z.number().int(),
    approverRole: Role,
    approverGroup: z.string().nullable(),
    escalationLevel: z.number().int(),
    quorum: Quorum,
    budgetImpact: z.unknown(),
    deadline: Timestamp.nullable(),
    createdAt: Timestamp,
    decisions: z.array(RecordedDecision),
  })
  .meta({ id: 'ApprovalSummary' });
export type ApprovalSummary = z.infer<typeof ApprovalSummary>;

export const ApprovalList = z.object({ approvals: z.array(ApprovalSummary) }).meta({ id: 'ApprovalList' });

// ---- POST /actions/:id/decisions

// Built from the core decision's fields (not `.pick`: that schema carries a refinement).
// The approver and the channel are never taken from the body.
const decisionFields = ApprovalDecision.shape;
export const DecisionBody = z
  .strictObject({ decision: decisionFields.decision, argsHash: decisionFields.argsHash, comment: decisionFields.comment, feedback: decisionFields.feedback })
  .meta({ id: 'DecisionBody', description: 'The approver is the key’s user; `feedback` (deny) is returned to the model' });
export type DecisionBody = z.infer<typeof DecisionBody>;

export const DecideResult = z
  .object({
    accepted: z.literal(true),
    approvalsSoFar: z.number().int(),
    requiredApprovals: z.number().int(),
    approvalStatus: z.enum(['open', 'approved', 'denied']),
  })
  .meta({ id: 'DecideResult' });
export type DecideResult = z.infer<typeof DecideResult>;

// ---- GET /audit, /audit/verify

export const AuditQuery = z.object({
  actionId: ActionId.optional(),
  after: z.string().regex(/^\d{1,18}$/, 'a seq number (the previous page’s nextCursor)').default('0'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const AuditEventView = z
  .object({
    seq: z.string().meta({ description: 'Position in the hash chain (a 64-bit integer, as a string)' }),
    eventKey: z.string(),
    actionId: z.string().nullable(),
    type: z.string(),
    actor: z.string(),
    payload: z.unknown(),
    createdAt: Timestamp,
    prevHash: Sha256Hex,
    hash: Sha256Hex,
  })
  .meta({ id: 'AuditEvent' });
export type AuditEventView = z.infer<typeof AuditEventView>;

export const AuditPage = z
  .object({
    events: z.array(AuditEventView),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null on the last page' }),
  })
  .meta({ id: 'AuditPage' });
export type AuditPage = z.infer<typeof AuditPage>;

export const ChainVerification = z
  .discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), checkedRows: z.number().int(), headHash: z.string() }),
    z.object({ ok: z.literal(false), checkedRows: z.number().int(), firstBrokenSeq: z.string(), reason: z.string() }),
  ])
  .meta({ id: 'ChainVerification' });
export type ChainVerification = z.infer<typeof ChainVerification>;
