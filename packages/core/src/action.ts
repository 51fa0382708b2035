import { z } from 'zod';
import { ARGS_LIMITS, checkJsonLimits, type JsonLimitProblem } from './json-limits.js';
import { RiskTier, Role } from './risk.js';
import { storedText } from './stored-text.js';

const Identifier = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only');

const MAX_ARGS_BYTES = 256 * 1024;

/** The arguments as JSON text, or undefined when they are not JSON at all (BigInt, cycles). */
function jsonText(args: Record<string, unknown>): string | undefined {
  try {
    return JSON.stringify(args);
  } catch {
    return undefined;
  }
}

function fitsInPayload(args: Record<string, unknown>): boolean {
  const text = jsonText(args);
  return text !== undefined && new TextEncoder().encode(text).length <= MAX_ARGS_BYTES;
}

const ArgsRecord = z.record(z.string(), z.unknown()).refine(fitsInPayload, { message: `arguments must be JSON of at most ${MAX_ARGS_BYTES / 1024} KiB` });

/** A refinement: `value` within the JSON limits (checkJsonLimits, NUL characters included), else an issue at the field that breaks them. */
export function refineJsonLimits(value: unknown, ctx: z.RefinementCtx): void {
  const problem = checkJsonLimits(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
}

/**
 * Tool arguments: a JSON object bounded well under Temporal's 2 MB payload limit
 * (a huge request is a clear 400, not a server error) and storable in PostgreSQL.
 * The shape limits (depth, entries, string and key length, no `__proto__` /
 * `constructor` / `prototype` keys) are checked on the value as sent, before the
 * record parse (which would silently drop a `__proto__` key) or any recursive
 * serialiser sees it; the issue names the field and the limit.
 */
export const ToolArgs = z.preprocess<unknown, typeof ArgsRecord, Record<string, unknown>>((value, ctx) => {
  const problem = checkJsonLimits(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, input: value, continue: false });
  return value;
}, ArgsRecord);
/**
 * A new request's numbers that JSON parsing may have rounded: an integer beyond 2^53 - 1 in its arguments
 * or signals (`9007199254740993` reads as …992, so two requests would be one action). Checked where a
 * request is first submitted (submitAction; the REST bodies, to name the field), not on every parse of
 * ToolArgs: an action admitted before this rule must still re-check, reveal and report.
 */
export function inexactIntegerIn(request: { args: unknown; signals?: unknown }): JsonLimitProblem | undefined {
  for (const field of ['args', 'signals'] as const) {
    const problem = checkJsonLimits(request[field], ARGS_LIMITS, { exactIntegers: true });
    if (problem) return { path: [field, ...problem.path], message: problem.message };
  }
  return undefined;
}

/** The REST bodies' refinement of inexactIntegerIn: an issue at the field. */
export function refineExactIntegers(request: { args: unknown; signals?: unknown }, ctx: z.RefinementCtx): void {
  const problem = inexactIntegerIn(request);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
}

/** What an agent asks for. Validated at every entry point (SDK, REST). */
export const ActionRequest = z.object({
  agentId: Identifier,
  tool: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'dotted lower-case name, e.g. payments.refund'),
  args: ToolArgs,
  rationale: storedText(4000).default(''),
  // Stored with the action: PostgreSQL text cannot hold NUL, canonical JSON no lone surrogate (admission would fail on every retry).
  idempotencyKey: storedText(200).min(1),
  /** The human the agent acts for, if any; they can never approve this action. */
  requestedBy: Identifier.optional(),
  /** Signals the agent reports about itself (e.g. `confidence`); policies read them as `result`. */
  signals: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .superRefine(refineJsonLimits)
    .optional(),
  /**
   * Who runs the tool: the worker (default), or the agent itself (a gate-only
   * action: Airlock authorizes, the agent runs it and reports the result).
   */
  execution: z.enum(['worker', 'agent']).optional(),
  /** Gate-only actions: how long an authorization stays usable before it expires unreported. */
  reportWithinMs: z
    .number()
    .int()
    .min(1_000)
    .max(7 * 24 * 3_600_000)
    .optional(),
});
export type ActionRequest = z.infer<typeof ActionRequest>;
export type ActionRequestInput = z.input<typeof ActionRequest>;

/**
 * What happens at the deadline: deny (default), approve, escalate (widen to
 * admins and keep waiting without a deadline), or keep waiting forever.
 */
export const TimeoutOutcome = z.enum(['deny', 'approve', 'escalate', 'wait_forever']);
export type TimeoutOutcome = z.infer<typeof TimeoutOutcome>;

export const EscalationStep = z.object({ afterMs: z.number().int().positive(), to: z.string().min(1) });
export type EscalationStep = z.infer<typeof EscalationStep>;

export const ApprovalRequirement = z.object({
  requiredApprovals: z.number().int().min(1).max(10),
  approverRole: Role,
  /** Only members of this approver group may decide (escalation widens it). */
  approverGroup: z.string().optional(),
  /** One deny ends the approval; otherwise it is denied only once the quorum is out of reach. */
  denyEndsIt: z.boolean().default(true),
  timeoutMs: z.number().int().positive(),
  timeoutOutcome: TimeoutOutcome,
  escalation: z.array(EscalationStep).default([]),
});
export type ApprovalRequirement = z.infer<typeof ApprovalRequirement>;

const ClassificationCommon = {
  tier: RiskTier,
  reasons: z.array(z.string()),
  /** Content hash of the policy that produced this; absent for the built-in tool rules. */
  policyVersion: z.string().optional(),
  matchedRules: z.array(z.string()).optional(),
};

/** The result of risk classification; it lives in workflow history, so later rule changes never alter a running action. */
export const Classification = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('allow'), ...ClassificationCommon, notify: z.boolean().optional() }),
  z.object({ decision: z.literal('require_approval'), ...ClassificationCommon, approval: ApprovalRequirement }),
  z.object({ decision: z.literal('deny'), ...ClassificationCommon }),
]);
export type Classification = z.infer<typeof Classification>;

/** The workflow's input: a validated request plus ids derived from it at the edge. */
export interface GuardedActionInput {
  actionId: string;
  argsHash: string;
  request: ActionRequest;
  /**
   * The caller's forecast that the policy will have people decide (`submitAction`'s
   * `expectsApproval`). Only where admission runs: in the workflow's first task when
   * true, else in an activity that also runs an allowed action. A wrong forecast costs
   * time, never a different decision; absent in histories from before it existed.
   */
  expectsApproval?: boolean;
}

/** What the agent gets back. `feedback` is written for the model, to change its next attempt. */
export const ActionOutcome = z.discriminatedUnion('status', [
  z.object({ status: z.literal('executed'), actionId: z.string(), output: z.unknown() }),
  z.object({
    status: z.literal('denied'),
    actionId: z.string(),
    reason: z.string(),
    feedback: z.string().optional(),
    deniedBy: z.string().optional(),
  }),
  z.object({ status: z.literal('expired'), actionId: z.string(), reason: z.string() }),
  z.object({ status: z.literal('failed'), actionId: z.string(), error: z.string() }),
  z.object({ status: z.literal('cancelled'), actionId: z.string(), reason: z.string() }),
]);
export type ActionOutcome = z.infer<typeof ActionOutcome>;
