import { z } from 'zod';
import { ActionOutcome, ApprovalRequirement, Classification } from './action.js';
import { Channel, DecisionKind } from './decision.js';
import { CompensationResolution, PlanStepView } from './plan.js';
import { Role } from './risk.js';
import { BudgetImpactView } from './status.js';

/*
 * The catalogue of audit events: every row type the audit log holds, with the
 * payload its writers pass. The log is Airlock's integration bus (Slack,
 * webhooks, metrics, console read it), so this file is its contract:
 * `appendAudit` only takes a type listed here with that type's payload, and
 * readers parse rows with `parseAuditEvent` instead of casting.
 *
 * Adding an event is one entry below: its type, `when` (one line saying when it
 * is written; docs/AUDIT-EVENTS.md is generated from it, `npm run docs:audit`)
 * and its payload schema.
 *
 * The catalogue types payloads, it never rewrites them: what is stored (and
 * hashed) is what the writer passed. Schemas therefore accept every shape
 * earlier versions wrote (fields marked "absent in older rows" are optional for
 * that reason); a row that still does not match parses to the `legacy` variant.
 */

const text = z.string();
const id = z.string();
const count = z.number().int();
/** Redacted arguments as stored (the raw ones never enter the log); checked for shape only, limits were checked on the way in. */
const storedArgs = z.record(z.string(), z.unknown());

const BudgetFields = {
  budgetId: id,
  scope: text,
  target: text,
  period: text,
  currency: text,
  limit: text,
  approvalThreshold: text.nullable(),
};

const KeyFields = {
  keyId: id,
  prefix: text,
  name: text,
  agentId: id.nullable(),
  userId: id.nullable(),
  expiresAt: text.nullable(),
};

/**
 * A webhook's URL in its rows: the origin (scheme, host, port) and `sha256:<16 hex>` of the URL, never the URL, which
 * may carry the receiver's credential while any user key reads the log. Older rows have `url`, in full, instead.
 */
const AuditedWebhookUrl = { url: text.optional(), origin: text.optional(), urlHash: text.optional() };

const ApprovalClosed = z.object({
  approvalId: id,
  /** Absent in older rows. */
  round: count.optional(),
  reason: text,
});

/** What was changed in a tool's result so it could be stored (report-storage's ReportAlteration). */
const ResultAltered = z.object({ field: z.enum(['output', 'error']), problem: text, cutCharacters: count.optional(), replacedCharacters: count.optional() });

/** `ActionOutcome` without the tool's output, which never enters the log (redacted at write). */
const [executed, denied, expired, failed, cancelled] = ActionOutcome.options;
const CompletedOutcome = z.discriminatedUnion('status', [
  // `resultAltered`: set when the output was recorded in the storable form at completion (a plan's steps together over the size limit).
  executed.omit({ output: true }).extend({ resultAltered: ResultAltered.optional() }),
  denied,
  expired,
  failed,
  cancelled,
]);

/** Budget impacts as stored: admission's carry more than the view (e.g. `periodStart`), and a retried admission must read back exactly those. */
const StoredImpacts: z.ZodType<BudgetImpactView[], BudgetImpactView[]> = z.array(BudgetImpactView.loose());

const PlanOf = z.object({ plan: z.array(PlanStepView).optional() });

interface AuditEventSpec {
  /** When the row is written: one line, shown in docs/AUDIT-EVENTS.md. */
  when: string;
  payload: z.ZodType;
}

export const AUDIT_EVENTS = {
  // The action, from request to outcome.
  'action.requested': {
    when: 'An agent asks for an action; first row of every action, written by admission.',
    payload: z.object({
      tool: text,
      /** Absent in older rows. */
      args: storedArgs.optional(),
      argsHash: text,
      rationale: text,
      requestedBy: id.nullable().optional(),
    }),
  },
  'action.classified': {
    when: "Admission's decision (policy, guardrails, rate limits, budget, standing approvals folded in); plans add each step.",
    payload: z.intersection(Classification, PlanOf),
  },
  'action.rechecked': {
    when: 'The re-check right before an approved action runs found nothing against it.',
    payload: z.object({ policyVersion: text.optional() }),
  },
  'action.recheck_failed': {
    when: 'The re-check before running (or the kill switch at the start of the run) refused the action.',
    payload: z.object({ reason: text }),
  },
  'action.authorized': {
    when: 'A gate-only action was allowed: the agent got an authorization to run the tool itself.',
    payload: z.object({ tool: text, authorizationId: id, argsHash: text, expiresAt: text }),
  },
  'action.authorization_claimed': {
    when: "A runner of the agent claimed a gate-only action's authorized run before starting the tool: no other runner may start it (once per action).",
    payload: z.object({ tool: text, authorizationId: id, runnerId: id, claimedAt: text }),
  },
  'action.authorization_revoked': {
    when: "A kill switch tripped while a gate-only action's authorization was out and unreported: it is no longer handed out.",
    payload: z.object({ authorizationId: id, reason: text, reportsAcceptedUntil: text }),
  },
  'action.completed': {
    when: "The action's outcome was recorded (once; outcomes are immutable), without the tool's output; `resultAltered` says an executed output was recorded in the storable form at completion (a plan's step outputs together over the size limit).",
    payload: CompletedOutcome,
  },
  'action.cancel_requested': {
    when: 'An agent or an admin asked over the API to cancel the action.',
    payload: z.object({ via: text }),
  },
  'action.args_revealed': {
    when: "An admin looked at the action's raw (unredacted) arguments; written before they are shown.",
    payload: z.object({ channel: z.enum(['console', 'api']) }),
  },
  'guardrail.flagged': {
    when: 'Admission found sensitive data or possible prompt injection in the request.',
    payload: z.object({ flags: z.array(text) }),
  },
  'rate_limit.exceeded': {
    when: 'A rate limit of the policy counted this request over its limit (denied or sent to approval).',
    payload: z.object({ limit: id, key: text, count }),
  },

  // Money.
  'budget.reserved': {
    when: 'Money was reserved against the budgets the action counts in (at admission, or at the re-check for budgets added since).',
    payload: z.object({
      amount: text,
      currency: text,
      impacts: StoredImpacts,
      /** Set on the re-check's top-up reservation. */
      atRecheck: z.boolean().optional(),
      thresholdCrossed: z.boolean().optional(),
    }),
  },
  'budget.exceeded': {
    when: 'A reservation would go over a budget: the action is denied.',
    payload: z.object({ reason: text, impacts: StoredImpacts }),
  },
  'budget.created': {
    when: 'An admin created a budget.',
    payload: z.object(BudgetFields),
  },
  'budget.changed': {
    when: "An admin changed a budget's limit or approval threshold.",
    payload: z.object({ ...BudgetFields, before: z.object({ limit: text, approvalThreshold: text.nullable() }) }),
  },
  'budget.deleted': {
    when: 'An admin deleted a budget; what it had counted per period is kept here.',
    payload: z.object({ ...BudgetFields, spentByPeriod: z.record(z.string(), text) }),
  },

  // Approval rounds.
  'approval.opened': {
    when: 'An approval round opened (the first, or a new one after an edit), with who may decide it.',
    payload: z.object({
      approvalId: id,
      /** Absent in older rows. */
      round: count.optional(),
      ...ApprovalRequirement.shape,
      deadline: text.nullable(),
      eligibleApprovers: z.array(id),
    }),
  },
  'approval.escalated': {
    when: "A round's deadline escalated it to more approvers.",
    payload: z.object({ approvalId: id, level: count, to: text, eligibleApprovers: z.array(id) }),
  },
  'approval.decision': {
    when: "One approver's approve or deny was accepted (the round may still need more).",
    payload: z.object({
      approvalId: id,
      approverId: id,
      decision: DecisionKind,
      channel: Channel,
      comment: text.optional(),
      feedback: text.optional(),
      editedArgsHash: text.optional(),
      /** Absent in older rows. */
      round: count.optional(),
      decidedAt: text,
      argsHash: text,
      editedArgs: storedArgs.optional(),
    }),
  },
  'approval.approved': { when: "A round closed approved by people (its quorum reached, or an approver's edit the policy then judged).", payload: ApprovalClosed },
  'approval.denied': { when: 'A round closed denied by people (a deny, or a quorum no longer reachable).', payload: ApprovalClosed },
  'approval.timed_out': {
    when: "A round's deadline passed with no escalation step left; the reason ends with the policy's timeout outcome: `; timeout outcome: approve` runs the action, any other ends it expired, unrun.",
    payload: ApprovalClosed,
  },
  'approval.cancelled': { when: 'A round closed because the action was cancelled (operator, agent, kill switch).', payload: ApprovalClosed },
  'approval.edit_rejected': {
    when: "An approver's edited arguments were refused as invalid for the tool (or plan); the round stays open.",
    payload: z.object({ reasons: z.array(text), editedArgs: storedArgs }),
  },
  'approval.edit_classified': {
    when: "An approver's edited arguments were classified like a new request; a new round decides them if needed.",
    payload: z.intersection(z.object({ argsHash: text, editedArgs: storedArgs }), Classification),
  },
  'approval.standing_used': {
    when: 'A standing approval let the action through at admission without a round.',
    payload: z.object({ grantId: id }),
  },
  'slack.decision_refused': {
    when: 'A Slack button click was not recorded (unlinked user, role too low, round already decided…); the clicker is told.',
    payload: z.object({
      slackUserId: id,
      slackTeamId: id.nullable(),
      airlockUserId: id.nullable(),
      decision: DecisionKind,
      round: count,
      reason: text,
    }),
  },
  'slack.delivery_failed': {
    when: "The Slack app gave up on posting or updating one of an action's messages (a permanent Slack error at once, a passing one after an hour of retries), or on an approval message never posted whose round was decided first (`roundClosed`: nobody waits for it); Slack may not show it, or show an earlier state.",
    payload: z.object({
      /** direct: an approver's DM; notice: an allow_and_notify notice. */
      message: z.enum(['approval', 'escalation', 'direct', 'notice']),
      /** The approval round; 0 for a notice. */
      round: count,
      /** Where it was for: a channel id, a Slack user id for a direct message, or `airlock-user:<id>` for a DM whose Slack account was never found (users.lookupByEmail kept failing). */
      target: text,
      /** The conversation and timestamp of the message once posted; null when it never was. */
      channel: text.nullable(),
      ts: text.nullable(),
      call: z.enum(['chat.postMessage', 'chat.update']),
      /** Slack's error (`channel_not_found`, `http_500`, `ratelimited`…). */
      error: text,
      /** Whether Slack's error was a permanent one (not retried); false: retries ran out. */
      permanent: z.boolean(),
      attempts: count,
      /** An approval message never posted whose round was decided before it could be: not posted late, and nobody waits for it. Absent on rows written before it was added. */
      roundClosed: z.boolean().optional(),
    }),
  },

  // Tool runs and compensations.
  'tool.started': {
    when: 'A tool run was claimed and starts now (once per idempotency key).',
    payload: z.object({ tool: text, idempotencyKey: text }),
  },
  'tool.succeeded': {
    when: 'A tool run finished without error; `resultAltered` (as `reportAltered`) says what was changed when its output could not be stored and returned as it was.',
    payload: z.object({
      tool: text,
      /** Set when the output was recorded and returned in the storable form (storableRunResult): too large, or content the limits refuse. */
      resultAltered: ResultAltered.optional(),
    }),
  },
  'tool.failed': {
    when: "A tool run failed with the tool's own error; `resultAltered` says how the error was changed when it could not be stored as it was (cut, NUL replaced).",
    payload: z.object({ tool: text, error: text, resultAltered: ResultAltered.optional() }),
  },
  'tool.cancelled': { when: 'A running tool was cancelled (kill switch, operator).', payload: z.object({ tool: text }) },
  'tool.reported': {
    when: 'The agent reported how its own run of a gate-only action went; `reportAltered` (`field`, `problem`, `cutCharacters?`, `replacedCharacters?`) says what was changed when its output or error could not be stored as sent.',
    payload: z.object({
      tool: text,
      status: z.enum(['succeeded', 'failed']),
      error: text.optional(),
      /** Set when the report came after a kill switch revoked the authorization (accepted until it expired). */
      afterRevocation: z.literal(true).optional(),
      /**
       * Set when the output or error could not be stored as sent and was recorded in a storable form
       * (storableReportResult): which field, the first limit it broke with its path, and what was cut or replaced.
       */
      reportAltered: ResultAltered.optional(),
    }),
  },
  'compensation.skipped': {
    when: 'A plan step to undo has no compensation: it is reported irreversible.',
    payload: z.object({ step: count, tool: text, reason: text }),
  },
  'compensation.succeeded': { when: 'A plan step was undone.', payload: z.object({ step: count, tool: text }) },
  'compensation.failed': {
    when: 'One attempt to undo a plan step failed (retried until a person resolves it).',
    payload: z.object({ step: count, tool: text, attempt: count, error: text }),
  },
  'compensation.resolution': {
    when: 'An approver answered a failing compensation: retry, or resolved by hand.',
    payload: CompensationResolution,
  },
  'workflow.orphan_terminated': {
    when: 'The orphan sweeper terminated a workflow that has no action row.',
    payload: z.object({ workflowId: id, runId: id, workflowType: text, startedAt: text, reason: text }),
  },

  // Operators and accounts.
  'operator.forbidden': {
    when: 'An operator tried an action their role does not allow (refused; the attempt leaves a trace).',
    payload: z.object({ action: text, requiredRole: Role, role: Role, channel: z.enum(['api', 'console', 'cli', 'slack']) }),
  },
  'user.created': {
    when: 'An admin (or the first-run set-up) created a person with a one-time password.',
    payload: z.object({ userId: id, role: Role, oneTimePassword: z.literal(true) }),
  },
  'user.role_changed': { when: "An admin changed a person's role.", payload: z.object({ userId: id, before: Role, after: Role }) },
  'user.disabled': {
    when: 'An admin disabled a person; their API keys were revoked with it.',
    payload: z.object({ userId: id, reason: text, revokedKeys: count }),
  },
  'user.password_reset': { when: "An admin reset a person's password to a one-time one.", payload: z.object({ userId: id }) },
  'user.password_changed': { when: 'A person changed their own password.', payload: z.object({}) },
  'user.password_change_failed': {
    when: 'A password change was refused (the current password was wrong).',
    payload: z.object({ reason: z.enum(['wrong_password']) }),
  },
  'user.signed_in': {
    when: 'A person signed in to the console with a password.',
    payload: z.object({ method: z.enum(['password']), mustChangePassword: z.boolean() }),
  },
  'user.sign_in_failed': {
    when: 'A password sign-in failed; an unknown address is kept only as a digest.',
    payload: z.object({
      method: z.enum(['password']),
      reason: z.enum(['unknown_email', 'disabled', 'wrong_password', 'no_password']),
      emailSha256: text.optional(),
    }),
  },
  'user.sign_in_throttled': {
    when: 'Sign-ins for one address went over the attempt limit (written once per window).',
    payload: z.object({ method: z.enum(['password']), emailSha256: text, attempts: count, windowSeconds: z.number() }),
  },
  'agent.created': {
    when: 'An admin registered an agent.',
    payload: z.object({ agentId: id, name: text, team: text, ownerId: id.nullable(), allowedTools: z.array(text) }),
  },
  'agent.updated': {
    when: "An admin changed an agent's name, team or owner (each changed field before and after).",
    payload: z.object({ agentId: id, changed: z.record(z.string(), z.object({ before: z.unknown(), after: z.unknown() })) }),
  },
  'agent.tools_changed': {
    when: "An admin changed only an agent's allowed tools.",
    payload: z.object({ agentId: id, before: z.array(text), after: z.array(text) }),
  },
  'agent.disabled': {
    when: 'An admin disabled an agent; its API keys were revoked with it.',
    payload: z.object({ agentId: id, reason: text, revokedKeys: count }),
  },
  'api_key.minted': { when: 'An API key was created (never its secret).', payload: z.object(KeyFields) },
  'api_key.revoked': { when: 'An API key was revoked.', payload: z.object(KeyFields) },
  'api_key.rotated': {
    when: 'An API key was replaced by a new one (the old one revoked).',
    payload: z.object({ ...KeyFields, replacedKeyId: id, replacedPrefix: text }),
  },
  'standing_approval.granted': {
    when: 'An approver granted a standing approval (a pre-approval for matching requests).',
    payload: z.object({
      grantId: id,
      agentId: id,
      tool: text,
      condition: text,
      reason: text,
      validFrom: text,
      validUntil: text,
      maxUses: count,
      /** Set when granted with a decision ("approve and remember"): the action it was made from. */
      fromActionId: id.optional(),
    }),
  },
  'standing_approval.revoked': {
    when: 'A standing approval was revoked before it ran out.',
    payload: z.object({ grantId: id, agentId: id, tool: text, uses: count, maxUses: count }),
  },
  'policy.shadow_set': {
    when: 'An admin set a candidate policy to run in shadow mode beside the live one (differences recorded, no effect on decisions).',
    payload: z.object({ version: text, source: text, rules: count, replaced: text.nullable() }),
  },
  'policy.shadow_cleared': { when: 'An admin stopped shadow mode.', payload: z.object({ version: text }) },
  'kill_switch.on': {
    when: 'An admin suspended an agent, team or the whole tenant (the kill switch).',
    payload: z.object({ suspensionId: id, scope: text, target: text, reason: text }),
  },
  'kill_switch.off': { when: 'An admin lifted a kill switch.', payload: z.object({ scope: text, target: text }) },
  'slack_link.created': {
    when: 'An admin linked a Slack user to an Airlock user (replacing any earlier link).',
    payload: z.object({ slackUserId: id, userId: id, previousUserId: id.nullable().optional() }),
  },
  'slack_link.deleted': { when: 'An admin removed a Slack link.', payload: z.object({ slackUserId: id, userId: id }) },
  'webhook.created': {
    when: 'An admin subscribed a webhook endpoint (never its secret, nor its URL: its origin and a hash of it; `url` in older rows).',
    payload: z.object({ webhookId: id, ...AuditedWebhookUrl, events: z.array(text), description: text.nullable().optional() }),
  },
  'webhook.removed': {
    when: 'An admin removed a webhook subscription; its queued deliveries were cancelled, those an attempt held were left to it (in flight). Its URL by origin and hash, as webhook.created.',
    // inFlightDeliveries: absent in older rows (whose removal cancelled in-flight deliveries too).
    payload: z.object({ webhookId: id, ...AuditedWebhookUrl, cancelledDeliveries: count, inFlightDeliveries: count.optional() }),
  },
  'webhook.replayed': {
    when: 'An admin queued a webhook delivery again.',
    payload: z.object({ webhookId: id, deliveryId: id, replayId: id, eventId: id, eventType: text }),
  },
  'webhook.delivery_cancelled': {
    when: "The worker cancelled a removed webhook's delivery the removal had not: the retry of an attempt in flight at the removal, one queued after it, or one whose last attempt went out and never recorded its answer (answerUnknown).",
    // answerUnknown: true when the last attempt's answer was never recorded (the receiver may have taken it); absent on older rows.
    payload: z.object({
      webhookId: id,
      deliveryId: id,
      eventId: id,
      eventType: text,
      attempts: count,
      lastStatus: count.nullable(),
      lastError: text.nullable(),
      answerUnknown: z.boolean().optional(),
    }),
  },
  'webhook.delivery_failed': {
    when: 'The worker gave up on a webhook delivery after its last attempt; it is failed in the delivery log (a replay sends it again).',
    payload: z.object({ webhookId: id, deliveryId: id, eventId: id, eventType: text, attempts: count, lastStatus: count.nullable(), lastError: text.nullable() }),
  },
} as const satisfies Record<string, AuditEventSpec>;

type Catalogue = typeof AUDIT_EVENTS;
export type AuditEventType = keyof Catalogue;
export const AUDIT_EVENT_TYPES = Object.keys(AUDIT_EVENTS) as AuditEventType[];

/** A payload as readers get it from `parseAuditEvent`. */
export type AuditPayload<T extends AuditEventType> = z.output<Catalogue[T]['payload']>;
/** A payload as writers pass it to `appendAudit`. */
export type AuditPayloadInput<T extends AuditEventType> = z.input<Catalogue[T]['payload']>;

/** An event of one type (stays precise inside generic code, unlike `Extract`). */
export interface AuditEventOf<T extends AuditEventType> {
  type: T;
  payload: AuditPayload<T>;
}
/** One catalogued event: the discriminated union on `type`. */
export type AuditEvent = { [T in AuditEventType]: AuditEventOf<T> }[AuditEventType];

/**
 * A stored row that the catalogue does not describe: a type it does not list
 * (test rows, a type removed since, one a newer version added) or a payload
 * that does not match its type's schema. Readers skip it or show it raw; it is
 * never an error, because the log keeps whatever was ever written.
 */
export interface LegacyAuditEvent {
  type: 'legacy';
  storedType: string;
  payload: unknown;
  /** Why it did not parse, for people. */
  problem: string;
}

export type ParsedAuditEvent = AuditEvent | LegacyAuditEvent;

const entries = AUDIT_EVENT_TYPES.map((type) => z.object({ type: z.literal(type), payload: AUDIT_EVENTS[type].payload }));
/** The zod discriminated union on `type` over the whole catalogue. */
export const AuditEvent = z.discriminatedUnion('type', entries as [(typeof entries)[number], ...(typeof entries)[number][]]) as unknown as z.ZodType<AuditEvent>;

export function isAuditEventType(type: string): type is AuditEventType {
  return Object.hasOwn(AUDIT_EVENTS, type);
}

/** A stored row's type and payload, typed by the catalogue; never throws (see `LegacyAuditEvent`). */
export function parseAuditEvent(type: string, payload: unknown): ParsedAuditEvent {
  if (!isAuditEventType(type)) return { type: 'legacy', storedType: type, payload, problem: `"${type}" is not in the audit event catalogue` };
  const parsed = AuditEvent.safeParse({ type, payload });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue ? issue.path.filter((p) => p !== 'payload').join('.') : '';
  return { type: 'legacy', storedType: type, payload, problem: `payload does not match "${type}"${where ? ` at ${where}` : ''}: ${issue?.message ?? 'invalid'}` };
}

/** Whether a parsed event is of `type` (narrows it). */
export function isAuditEvent<T extends AuditEventType>(event: ParsedAuditEvent, type: T): event is ParsedAuditEvent & AuditEventOf<T> {
  return event.type === type;
}
