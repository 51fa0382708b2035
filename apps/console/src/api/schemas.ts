import {
  ActionOutcome as CoreActionOutcome,
  ActionRequest,
  AgentReportBody as CoreAgentReportBody,
  RunClaimBody as CoreRunClaimBody,
  ApprovalDecision,
  Channel,
  Classification as CoreClassification,
  DecisionKind,
  FEEDBACK_ON_APPROVAL,
  refineExactIntegers,
  RiskTier,
  Role,
  type ActionPhase,
} from '@airlock/core';
import { BudgetPeriod, GovernanceScope, NewBudget, type Action, type Approval } from '@airlock/db';
import { ApproveAndRememberInput, MAX_GRANT_HOURS, scopeTarget, storedText } from '@airlock/ops';
import { Rule } from '@airlock/policy';
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
      code: z.enum([
        'invalid_json',
        'invalid_request',
        'unauthenticated',
        'forbidden',
        'not_found',
        'method_not_allowed',
        'idempotency_conflict',
        'decision_rejected',
        'already_exists',
        'conflict',
        'payload_too_large',
        'unsupported_media_type',
        'unavailable',
        'internal',
      ]),
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
  awaiting_report: 'awaiting_report',
  authorization_revoked: 'authorization_revoked',
  compensating: 'compensating',
  compensation_failed: 'compensation_failed',
  completing: 'completing',
  completed: 'completed',
} as const satisfies { [P in ActionPhase]: P };
export const WorkflowPhase = z.enum(phases).meta({ id: 'WorkflowPhase' });

export const ActionOutcome = CoreActionOutcome.meta({ id: 'ActionOutcome', description: 'What the agent gets back; `feedback` is written for the model' });
export type ActionOutcome = z.infer<typeof ActionOutcome>;

// ---- POST /actions

// Strict: unknown fields are refused, and agentId in particular, because the agent is the key's owner.
export const SubmitActionBody = z
  .strictObject(ActionRequest.omit({ agentId: true, execution: true, reportWithinMs: true }).shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' && issue.keys.includes('agentId') ? 'not accepted: the agent is the owner of the API key' : undefined),
  })
  .superRefine(refineExactIntegers)
  .meta({ id: 'SubmitActionBody', description: 'A request to run a tool. `args` is checked against the tool’s schema when the tool is known.' });
export type SubmitActionBody = z.infer<typeof SubmitActionBody>;

export const SubmittedActionView = z
  .object({
    actionId: ActionId,
    created: z.boolean().meta({ description: 'False when the idempotency key matched an earlier action' }),
    argsHash: Sha256Hex,
    links: z.object({ self: z.string(), outcome: z.string() }),
  })
  .meta({ id: 'SubmittedAction' });
export type SubmittedActionView = z.infer<typeof SubmittedActionView>;

// ---- gate-only actions: POST /authorizations, GET /actions/:id/authorization, POST /actions/:id/report

export const AuthorizationRequestBody = z
  .strictObject(ActionRequest.omit({ agentId: true, execution: true }).shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' && issue.keys.includes('agentId') ? 'not accepted: the agent is the owner of the API key' : undefined),
  })
  .superRefine(refineExactIntegers)
  .meta({
    id: 'AuthorizationRequestBody',
    description: 'A gate-only action: Airlock decides, the agent runs the tool itself and reports. `reportWithinMs` (default 15 min) is how long the authorization stays usable.',
  });
export type AuthorizationRequestBody = z.infer<typeof AuthorizationRequestBody>;

export const AuthorizationQuery = z.object({
  waitMs: z.coerce.number().int().min(0).max(30_000).default(0).meta({ description: 'How long to wait for the authorization (long poll), 0..30000 ms' }),
});

export const AuthorizationView = z
  .object({
    status: z.literal('authorized'),
    actionId: ActionId,
    tool: z.string(),
    authorizationId: z.string(),
    args: z.record(z.string(), z.unknown()).meta({ description: 'The arguments to run with (an approver may have edited them); report with exactly these' }),
    argsHash: Sha256Hex,
    expiresAt: z.string().meta({ description: 'Unreported past this instant, the action expires and its budget is released' }),
    claimedAt: z
      .string()
      .optional()
      .meta({ description: 'Set once a runner claimed the run (POST /actions/:id/claim): another runner’s claim is refused, so do not run the tool unless your claim succeeded' }),
    links: z.object({ report: z.string() }),
  })
  .meta({ id: 'Authorization' });
export type AuthorizationView = z.infer<typeof AuthorizationView>;

export const PendingAuthorization = z.object({ status: z.literal('pending'), actionId: ActionId, phase: WorkflowPhase }).meta({ id: 'PendingAuthorization' });

export const AgentReportBody = CoreAgentReportBody.meta({
  id: 'AgentReport',
  description:
    'How the agent’s own run went. `args` must be the authorized arguments; the same report twice returns the same outcome. Only the report’s structure is refused (400 naming the field: a missing or unknown `status`, a wrong type, an unknown field). The tool has run, so what `output` or `error` holds is never a reason to refuse it: an `output` within the JSON limits (at most 32 levels deep, 10,000 keys and elements in all, strings of 131,072 characters, keys of 1,024, no NUL character or lone surrogate, no `__proto__` / `constructor` / `prototype` key, finite numbers) is stored as sent; any other is stored as `{ "airlock": "output not storable as sent", "problem": "<the first limit broken, with its path>", "json": "<the output’s JSON text, NUL and lone surrogates escaped, cut after 131,072 characters with a marker of how much was cut>" }`. An `error` has NUL and lone surrogates replaced with U+FFFD and is cut to 4,000 characters on a code-point boundary with a marker (an empty one is recorded as a failure without a message). The outcome answered is what was stored, and the report’s audit row (`tool.reported`) records any change in `reportAltered`.',
});

export const RunClaimBody = CoreRunClaimBody.meta({
  id: 'RunClaim',
  description:
    'Claim the authorized run before starting the tool. `runnerId` is a random id the client makes per run attempt (at most 200 characters): the same runner claiming again (a retry after a network error) gets the same answer; another runner is refused with 409 `conflict`, so a tool call retried by a restarted process never runs twice. Reports stay accepted without a claim (older clients).',
});
export type RunClaimBody = z.infer<typeof RunClaimBody>;

export const RunClaimView = z
  .object({
    status: z.literal('claimed'),
    actionId: ActionId,
    authorizationId: z.string(),
    runnerId: z.string().meta({ description: 'The runner whose claim this is: yours (the claim is refused for any other)' }),
    claimedAt: Timestamp.meta({ description: 'When the run was claimed (the first claim, also when the same runner claims again)' }),
  })
  .meta({ id: 'RunClaimed', description: 'The run is this runner’s: run the tool, then report' });
export type RunClaimView = z.infer<typeof RunClaimView>;

export const AgentSelf = z
  .object({ id: z.string(), team: z.string(), allowedTools: z.array(z.string()) })
  .meta({ id: 'AgentSelf', description: 'The agent that owns the API key, and the tools (globs) it may request' });
export type AgentSelf = z.infer<typeof AgentSelf>;

// ---- GET /actions/:id

export const RecordedDecisionView = z
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
export type RecordedDecisionView = z.infer<typeof RecordedDecisionView>;

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
    decisions: z.array(RecordedDecisionView),
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

// ---- POST /actions/:id/raw-args

export const RawArgsView = z
  .object({
    actionId: ActionId,
    args: z.record(z.string(), z.unknown()).meta({ description: 'The arguments exactly as the agent sent them, before redaction (from the workflow’s start input)' }),
    revealedAt: Timestamp,
    auditSeq: z.string().regex(/^\d+$/).meta({ description: 'Seq of the `action.args_revealed` audit row written before the arguments were read' }),
  })
  .meta({ id: 'RawArgs' });
export type RawArgsView = z.infer<typeof RawArgsView>;

// ---- GET /actions/:id/outcome

export const OutcomeQuery = z.object({
  waitMs: z.coerce.number().int().min(0).max(30_000).default(0).meta({ description: 'How long to wait for the outcome (long poll), 0..30000 ms' }),
});

export const PendingOutcome = z.object({ status: z.literal('pending'), actionId: ActionId }).meta({ id: 'PendingOutcome' });

// ---- GET /approvals

export const ApprovalListQuery = z.object({
  status: ApprovalStatus.default('open').meta({ description: 'Which approvals: `open` (the default: awaiting a decision), `approved`, `denied`, `expired` or `cancelled`.' }),
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
    decisions: z.array(RecordedDecisionView),
  })
  .meta({ id: 'ApprovalSummary' });
export type ApprovalSummary = z.infer<typeof ApprovalSummary>;

export const ApprovalList = z.object({ approvals: z.array(ApprovalSummary) }).meta({ id: 'ApprovalList' });

// ---- POST /actions/:id/decisions

// Built from the core decision's fields (not `.pick`: that schema carries a refinement).
// The approver and the channel are never taken from the body.
const decisionFields = ApprovalDecision.shape;
export const DecisionBody = z
  .strictObject({
    decision: decisionFields.decision,
    argsHash: decisionFields.argsHash,
    comment: decisionFields.comment,
    feedback: decisionFields.feedback,
    editedArgs: decisionFields.editedArgs.meta({
      description: 'Approve only: run with these arguments instead. Checked against the tool’s schema, then re-classified; a riskier edit opens a new round',
    }),
  })
  .refine((d) => !(d.editedArgs && d.decision !== 'approve'), { path: ['editedArgs'], message: 'only an approval can edit the arguments' })
  .refine((d) => !(d.feedback && d.decision !== 'deny'), { path: ['feedback'], message: FEEDBACK_ON_APPROVAL })
  .meta({ id: 'DecisionBody', description: 'The approver is the key’s user; `feedback` (deny) is returned to the model' });
export type DecisionBody = z.infer<typeof DecisionBody>;

export const DecideResultView = z
  .object({
    accepted: z.literal(true),
    approvalsSoFar: z.number().int(),
    requiredApprovals: z.number().int(),
    approvalStatus: z.enum(['open', 'approved', 'denied']),
  })
  .meta({ id: 'DecideResult' });
export type DecideResultView = z.infer<typeof DecideResultView>;

// ---- GET /audit, /audit/verify

export const AuditQuery = z.object({
  actionId: ActionId.optional(),
  after: z
    .string()
    .regex(/^\d{1,18}$/, 'a seq number (the previous page’s nextCursor)')
    .default('0'),
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

const CheckpointSummary = z.object({ matched: z.number().int(), lastSeq: z.number().int(), problems: z.array(z.string()) });

export const ChainVerificationView = z
  .discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), checkedRows: z.number().int(), headSeq: z.string(), headHash: z.string(), checkpoints: CheckpointSummary.optional() }),
    z.object({
      ok: z.literal(false),
      checkedRows: z.number().int(),
      firstBrokenSeq: z.string().optional().describe('the first row that disagrees; absent when only the checkpoints themselves fail'),
      suspectFromSeq: z.string().optional().describe('with a signed-checkpoint mismatch: the earliest row that may have been rewritten'),
      reason: z.string(),
      checkpoints: CheckpointSummary.optional(),
    }),
  ])
  .meta({
    id: 'ChainVerification',
    description:
      'Links and hashes of the whole chain. Without `checkpoints` no signed checkpoint was checked (the console holds no verifier key): a rewrite by someone with database access, hashes recomputed, passes; `npm run airlock -- audit verify --public-key <key file>` checks the signatures.',
  });
export type ChainVerificationView = z.infer<typeof ChainVerificationView>;

// ---- Governance: kill switch, standing approvals, budgets, agents, policy

// Stored (or compared in SQL): no NUL, no lone surrogate, as the use cases' own fields.
const Reason = storedText(2000);
const Target = storedText(200);
const AgentIdField = ActionRequest.shape.agentId;
const ToolName = ActionRequest.shape.tool;
/** The policy's tool pattern: a name, or a glob with one trailing `*` ("payments.*", "*"). */
const ToolPattern = Rule.shape.tools.element;

// ---- POST / DELETE / GET /kill-switch

export const KillSwitchBody = z
  .strictObject({
    scope: GovernanceScope,
    target: Target.optional().meta({ description: 'Agent id or team name; omitted (or "*") for the tenant' }),
    reason: Reason.meta({ description: 'Shown to the agents it stops and kept in the audit log' }),
  })
  .superRefine(scopeTarget)
  .meta({ id: 'KillSwitchBody', description: 'Stop an agent, a team or the whole tenant: new actions are denied, live ones cancelled' });
export type KillSwitchBody = z.infer<typeof KillSwitchBody>;

export const KillSwitchLiftBody = z
  .strictObject({ scope: GovernanceScope, target: Target.optional() })
  .superRefine(scopeTarget)
  .meta({ id: 'KillSwitchLiftBody', description: 'Lift the kill switch on exactly this scope and target' });
export type KillSwitchLiftBody = z.infer<typeof KillSwitchLiftBody>;

export const KillSwitchResult = z
  .object({
    suspensionId: z.string(),
    cancelledActions: z.array(ActionId).meta({ description: 'Live actions (pending approvals, running tools) asked to cancel' }),
    startedBeforeSwitch: z.array(ActionId).meta({
      description:
        'Of those, actions that started before the switch (a tool run or plan step claimed, or a gate-only authorization issued): asked to stop, but they may still end executed (a revoked authorization still takes the report of an agent that held it, until it expires). The others never run.',
    }),
  })
  .meta({ id: 'KillSwitchResult' });
export type KillSwitchResult = z.infer<typeof KillSwitchResult>;

export const KillSwitchLiftResult = z
  .object({ wasActive: z.boolean().meta({ description: 'False when no switch was in force on this scope and target' }) })
  .meta({ id: 'KillSwitchLiftResult' });
export type KillSwitchLiftResult = z.infer<typeof KillSwitchLiftResult>;

export const Suspension = z
  .object({
    id: z.string(),
    scope: GovernanceScope,
    target: z.string(),
    reason: z.string(),
    createdBy: z.string(),
    createdAt: Timestamp,
  })
  .meta({ id: 'Suspension', description: 'A kill switch in force' });
export type Suspension = z.infer<typeof Suspension>;

export const SuspensionList = z.object({ suspensions: z.array(Suspension) }).meta({ id: 'SuspensionList' });
export type SuspensionList = z.infer<typeof SuspensionList>;

// ---- GET / POST /standing-approvals, POST /standing-approvals/:id/revoke

export const StandingApprovalBody = z
  .strictObject({
    agentId: AgentIdField,
    tool: ToolName.meta({ description: 'One tool, by exact name' }),
    condition: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .meta({ description: 'CEL over `tool`, `args`, `agent`, e.g. `cents(args.amount) <= 20000`; `true` matches any arguments', example: 'cents(args.amount) <= 20000' }),
    reason: Reason,
    validForHours: z
      .number()
      .positive()
      .max(MAX_GRANT_HOURS)
      .meta({ description: `From now; at most ${MAX_GRANT_HOURS}` }),
    maxUses: z.number().int().min(1).max(10_000),
  })
  .meta({ id: 'StandingApprovalBody', description: 'Pre-approve one agent’s use of one tool, within a condition, a time window and a number of uses' });
export type StandingApprovalBody = z.infer<typeof StandingApprovalBody>;

export const StandingApprovalQuery = z.object({
  agentId: AgentIdField.optional(),
  status: z.enum(['active', 'all']).default('all').meta({ description: '`active`: usable now (not revoked, in its window, uses left)' }),
});

export const StandingApprovalView = z
  .object({
    id: z.string(),
    agentId: z.string(),
    tool: z.string(),
    condition: z.string(),
    reason: z.string(),
    grantedBy: z.string(),
    validFrom: Timestamp,
    validUntil: Timestamp,
    maxUses: z.number().int(),
    uses: z.number().int(),
    revokedAt: Timestamp.nullable(),
    revokedBy: z.string().nullable(),
    createdAt: Timestamp,
    active: z.boolean().meta({ description: 'Usable now: not revoked, in its window, uses left' }),
  })
  .meta({ id: 'StandingApproval' });
export type StandingApprovalView = z.infer<typeof StandingApprovalView>;

export const StandingApprovalList = z.object({ standingApprovals: z.array(StandingApprovalView) }).meta({ id: 'StandingApprovalList' });
export type StandingApprovalList = z.infer<typeof StandingApprovalList>;

// ---- POST /actions/:id/approve-and-remember

export const ApproveAndRememberBody = ApproveAndRememberInput.omit({ actionId: true }).meta({
  id: 'ApproveAndRememberBody',
  description:
    'Approve this action and grant a standing approval for its agent and tool. `bounds` scope it on this action’s arguments: `{ arg, kind: "same" }` binds to this value, ' +
    '`{ arg, kind: "at_most", value }` caps a number or a decimal amount; arguments without a bound may take any value. `reason` defaults to "remembered from action <id>"',
  example: {
    argsHash: '0'.repeat(64),
    bounds: [
      { arg: 'amount', kind: 'at_most', value: '200.00' },
      { arg: 'currency', kind: 'same' },
    ],
    maxUses: 10,
    validForHours: 24,
  },
});
export type ApproveAndRememberBody = z.infer<typeof ApproveAndRememberBody>;

export const RememberedApprovalView = z
  .object({ decision: DecideResultView, standingApproval: StandingApprovalView })
  .meta({ id: 'RememberedApproval', description: 'The approval as the workflow recorded it, and the grant written with it' });
export type RememberedApprovalView = z.infer<typeof RememberedApprovalView>;

export const RememberAcceptedView = z
  .object({
    actionId: ActionId,
    /** The standing approval's id, chosen up front: it is stored under it with the decision. */
    grantId: z.string(),
    accepted: z.literal(true),
    message: z.string(),
  })
  .meta({
    id: 'RememberAccepted',
    description:
      'The workflow holds the approval, but its writer had not stored the decision and the standing approval within the wait (a loaded worker): both are stored, the grant as `grantId`, once it does. Deciding again is refused as already approved',
  });
export type RememberAcceptedView = z.infer<typeof RememberAcceptedView>;

export const StandingApprovalRevocationView = z
  .object({
    standingApproval: StandingApprovalView,
    wasActive: z.boolean().meta({ description: 'Whether the grant was usable until this revocation' }),
  })
  .meta({ id: 'StandingApprovalRevocation' });
export type StandingApprovalRevocationView = z.infer<typeof StandingApprovalRevocationView>;

// ---- GET / POST /budgets

export const BudgetBody = NewBudget.strict().meta({
  id: 'BudgetBody',
  description: 'A spending cap per scope, period (UTC) and currency. Amounts are decimal strings; above `approvalThreshold` spending needs approval',
});
export type BudgetBody = z.infer<typeof BudgetBody>;

export const BudgetQuery = z.object({ scope: GovernanceScope.optional(), target: Target.optional() });

const Money = z.string().meta({ description: 'Decimal string, two places', example: '125.50' });

export const BudgetView = z
  .object({
    id: z.string(),
    scope: GovernanceScope,
    target: z.string(),
    period: BudgetPeriod,
    currency: z.string(),
    limit: Money,
    approvalThreshold: Money.nullable(),
    createdAt: Timestamp,
    periodStart: z.iso.date().meta({ description: 'First day (UTC) of the current period' }),
    spent: Money,
    reserved: Money.meta({ description: 'Held by actions waiting for approval or running' }),
    remaining: Money.meta({ description: 'limit − spent − reserved; negative after an overspend or a lowered limit' }),
  })
  .meta({ id: 'Budget' });
export type BudgetView = z.infer<typeof BudgetView>;

export const BudgetList = z.object({ budgets: z.array(BudgetView) }).meta({ id: 'BudgetList' });
export type BudgetList = z.infer<typeof BudgetList>;

// ---- GET /agents, PUT /agents/:id/tools

export const AgentView = z
  .object({
    id: z.string(),
    name: z.string(),
    team: z.string(),
    ownerId: z.string().nullable().meta({ description: 'The accountable person; they may not approve the agent’s requests' }),
    allowedTools: z.array(z.string()).meta({ description: 'Tool names or globs the agent may request (least privilege); empty = none' }),
    suspension: Suspension.nullable().meta({ description: 'The kill switch stopping this agent (the most specific one), if any' }),
    disabledAt: z.string().nullable().meta({ description: 'When an admin disabled it (its keys were revoked; admission refuses it); null while active' }),
  })
  .meta({ id: 'Agent' });
export type AgentView = z.infer<typeof AgentView>;

export const AgentList = z.object({ agents: z.array(AgentView) }).meta({ id: 'AgentList' });
export type AgentList = z.infer<typeof AgentList>;

export const AgentToolsBody = z
  .strictObject({ allowedTools: z.array(ToolPattern).max(100).meta({ description: 'Replaces the list; `[]` allows nothing' }) })
  .meta({ id: 'AgentToolsBody' });
export type AgentToolsBody = z.infer<typeof AgentToolsBody>;

// ---- POST /policy/dry-run, GET /policy

export const PolicyDryRunBody = z
  .strictObject({
    tool: ToolName,
    args: ActionRequest.shape.args,
    agentId: AgentIdField.optional().meta({ description: 'Classify as this agent (team, owner, allowed tools); without it the least-privilege check is skipped' }),
    rationale: ActionRequest.shape.rationale,
    signals: ActionRequest.shape.signals,
    execution: z.enum(['worker', 'agent']).optional().meta({
      description:
        'How the request would be sent: `worker` (POST /actions, a tool a worker runs) or `agent` (POST /authorizations, a gate-only action whose tool the agent runs; its tool is known whatever the workers register). Default: `agent` for a tool Airlock does not ship (neither a plan, nor the demo pack, nor a built-in tool) that the named agent may call, since admission accepts it only gate-only; `worker` otherwise, where a tool no worker registers is denied as unknown. The answer’s `execution` says which was used',
    }),
  })
  .meta({ id: 'PolicyDryRunBody', description: 'A request to classify, as an agent would send it; nothing runs and nothing is recorded' });
export type PolicyDryRunBody = z.infer<typeof PolicyDryRunBody>;

export const Classification = CoreClassification.meta({ id: 'Classification' });

export const PolicyDryRunStep = z
  .object({
    tool: z.string(),
    description: z.string().optional(),
    decision: z.enum(['allow', 'require_approval', 'deny']),
    tier: RiskTier,
    reasons: z.array(z.string()).meta({ description: 'Why, for this step alone (the plan’s reasons carry them prefixed with "step N (tool)")' }),
    matchedRules: z.array(z.string()).optional(),
  })
  .meta({
    id: 'PolicyDryRunStep',
    description:
      'One step of a plan, classified as the same request for its tool alone: the decision and tier admission records for the step (action.classified’s plan). Whether the step can be rolled back is known only to the workers and is not shown',
  });
export type PolicyDryRunStep = z.infer<typeof PolicyDryRunStep>;

export const PolicyDryRunResult = z
  .object({
    policyVersion: z.string(),
    classification: Classification,
    plan: z.array(PolicyDryRunStep).optional().meta({
      description:
        'For a plan (airlock.plan) only: each step in order. The plan takes its strictest step’s decision (the highest quorum among equals) and its highest tier, as at admission',
    }),
    execution: z
      .enum(['worker', 'agent'])
      .optional()
      .meta({ description: 'How the request was classified: as sent to a worker (POST /actions) or gate-only (POST /authorizations); the body’s, or the default it took' }),
    guardrailFlags: z.array(z.string()).optional().meta({
      description:
        'What the guardrails found, as admission records it: possible prompt injection (which escalates to a person) and sensitive data it would redact; never the values',
    }),
    notApplied: z.array(z.string()).optional().meta({
      description:
        'What admission applies after this classification and a dry run does not, because it depends on live state: kill switches, rate limits, budgets, standing approvals, rollback',
    }),
  })
  .meta({
    id: 'PolicyDryRunResult',
    description:
      'What admission’s classification decides for this request, agent and rationale: the same function admission runs (argument checks, the policy, least privilege, the guardrails’ prompt-injection escalation), against the tools Airlock ships for a worker-run request. A disabled agent is denied as at admission. Not applied, because they depend on live state (`notApplied`): kill switches, rate limits, budget reservations and thresholds, standing approvals, and the "no rollback" reason admission adds to a plan of several steps with an irreversible one (only the workers know which can be rolled back). A tool a worker’s tools module registers is unknown here: classify it with `execution: "agent"` to see what the policy says of it',
  });
export type PolicyDryRunResult = z.infer<typeof PolicyDryRunResult>;

export const PolicyView = z
  .object({
    version: z.string().meta({ description: 'Content hash of the text; recorded on every action it classifies' }),
    source: z.string().meta({ description: 'Path of the policy file' }),
    ruleCount: z.number().int(),
    rateLimitCount: z.number().int(),
    text: z.string(),
  })
  .meta({ id: 'Policy' });
export type PolicyView = z.infer<typeof PolicyView>;

// ---- GET /actions/:id/status, POST /actions/:id/cancel

export const ActionLiveStatus = z
  .looseObject({
    actionId: ActionId,
    agentId: z.string(),
    tool: z.string(),
    argsHash: Sha256Hex,
    phase: z.string().meta({ description: 'classifying | awaiting_approval | rechecking | running | compensating | compensation_failed | completing | completed' }),
  })
  .meta({ id: 'ActionLiveStatus', description: 'The workflow’s live view: phase, classification, approval round with its decisions, outcome when done' });

export const CancelResult = z.object({ actionId: ActionId, cancelRequested: z.literal(true) }).meta({ id: 'CancelResult' });

export * from './management-schemas.js';
