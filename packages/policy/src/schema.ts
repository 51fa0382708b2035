import { storedTextProblem } from '@airlock/core/json-limits';
import { RiskTier } from '@airlock/core/risk';
import { z } from 'zod';
import { Duration } from './duration.js';

/**
 * Free text that reaches an action's row or the audit log (a rule's reason, an approver group): no NUL
 * (YAML's "\0"), which PostgreSQL cannot store, and no lone surrogate ("\ud800"), which cannot be hashed.
 * Either would pass `policy check`, then fail every admission it matched on every retry.
 */
const Text = () =>
  z.string().superRefine((text, ctx) => {
    const problem = storedTextProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');
const ToolPattern = z.string().regex(/^([a-z][a-z0-9_]*\.)*([a-z][a-z0-9_]*|\*)$|^\*$/, 'a tool name or a glob like "payments.*"');

/**
 * The roles that can decide an approval. No channel lets a viewer approve or deny, so a viewer counted as an
 * approver kept a quorum "reachable" that no one could reach: the round waited for people who cannot answer.
 */
const DECIDING_ROLES = ['approver', 'admin'] as const;
const ApproverRole = z.enum(DECIDING_ROLES, {
  error: (issue) => (issue.input === 'viewer' ? 'viewers cannot decide an approval: must be approver or admin' : undefined),
});

/**
 * An escalation step's `to`: an approver group, or `role:approver` / `role:admin`. Any other `role:` target admitted
 * no one (`role:admins`) or only people who cannot decide (`role:viewer`), and passed `policy check`.
 */
const EscalationTarget = Text()
  .min(1)
  .superRefine((to, ctx) => {
    if (!to.startsWith('role:')) return;
    const role = to.slice('role:'.length);
    if (role === 'viewer') ctx.addIssue({ code: 'custom', message: 'viewers cannot decide an approval: escalate to role:approver or role:admin' });
    else if (!(DECIDING_ROLES as readonly string[]).includes(role)) ctx.addIssue({ code: 'custom', message: `"${to}" names no role: use role:approver or role:admin` });
  });

export const ApprovalSpec = z
  .object({
    group: Text().min(1).optional(),
    role: ApproverRole.default('approver'),
    quorum: z.number().int().min(1).max(10).default(1),
    /** One deny ends the approval (default); if false, it is denied only when the quorum can no longer be reached. */
    denyEndsIt: z.boolean().default(true),
    deadline: Duration.prefault('1h'),
    escalation: z
      .array(z.object({ after: Duration, to: EscalationTarget }).strict())
      .max(5)
      .default([]),
    timeout: z.enum(['deny', 'approve', 'escalate', 'wait_forever']).default('deny'),
  })
  .strict();
export type ApprovalSpecInput = z.input<typeof ApprovalSpec>;

export const Outcome = z.enum(['allow', 'allow_and_notify', 'require_approval', 'deny']);
export type Outcome = z.infer<typeof Outcome>;

export const Rule = z
  .object({
    id: Id,
    description: Text().optional(),
    tools: z.array(ToolPattern).min(1),
    /** A CEL expression over tool, args, agent, rationale and result; absent = always. */
    when: Text().min(1).optional(),
    tier: RiskTier,
    outcome: Outcome,
    reason: Text().min(1),
    approval: ApprovalSpec.partial().optional(),
  })
  .strict();
export type Rule = z.infer<typeof Rule>;

export const RateLimit = z
  .object({
    id: Id,
    scope: z.enum(['agent', 'tool', 'agent_tool']),
    tools: z.array(ToolPattern).min(1).default(['*']),
    limit: z.number().int().min(1),
    window: Duration,
    outcome: z.enum(['deny', 'require_approval']).default('deny'),
  })
  .strict();
export type RateLimit = z.infer<typeof RateLimit>;

export const PolicyFile = z
  .object({
    apiVersion: z.literal('airlock/v1'),
    defaults: z
      .object({
        /** A known tool that no rule matches. */
        unmatched: z.enum(['allow', 'require_approval', 'deny']).default('require_approval'),
        approval: ApprovalSpec.default(ApprovalSpec.parse({})),
        /** Approval required when a budget's approval threshold is crossed. */
        budgetApproval: ApprovalSpec.partial().default({}),
      })
      .strict()
      .default({ unmatched: 'require_approval', approval: ApprovalSpec.parse({}), budgetApproval: {} }),
    rules: z.array(Rule).default([]),
    rateLimits: z.array(RateLimit).default([]),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    policy.rules.forEach((rule, index) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
      if (rule.outcome !== 'require_approval' && rule.approval) {
        ctx.addIssue({ code: 'custom', path: ['rules', index, 'approval'], message: 'only require_approval rules take an approval block' });
      }
    });
  });
export type PolicyFile = z.infer<typeof PolicyFile>;
