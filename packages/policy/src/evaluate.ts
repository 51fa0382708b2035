import { maxTier, type ApprovalRequirement, type Classification, type RiskTier } from '@airlock/core';
import { redactText } from '@airlock/guardrails';
import { strictestApproval } from './approval-merge.js';
import type { PolicyContext } from './cel.js';
import { toolMatcher, type CompiledPolicy, type CompiledRule } from './compile.js';
import type { ApprovalSpec, Outcome } from './schema.js';
import type { z } from 'zod';

export interface PolicyInput {
  tool: string;
  /** Whether a worker has this tool registered: unknown tools are denied by default. */
  toolKnown: boolean;
  args: Record<string, unknown>;
  agent: { id: string; team: string; owner: string | null; allowedTools: readonly string[] };
  rationale: string;
  signals?: Record<string, unknown>;
}

const UNKNOWN_TOOL = 'unknown tool';

/** Whether a recorded classification is the denial of a tool no worker had registered (no policy can change it). */
export function isUnknownToolDenial(classification: Pick<Classification, 'decision' | 'reasons'>): boolean {
  return classification.decision === 'deny' && classification.reasons[0]?.startsWith(`${UNKNOWN_TOOL} "`) === true;
}

// An agent's allowed tools change rarely and agents are few, so their compiled matchers are kept:
// compiling the globs to regexes was about half of an evaluation. Bounded: a flood of distinct lists only resets it.
const AGENT_MATCHERS_KEPT = 1_000;
const agentMatchers = new Map<string, (tool: string) => boolean>();

function agentToolMatcher(allowedTools: readonly string[]): (tool: string) => boolean {
  const key = JSON.stringify(allowedTools);
  let matcher = agentMatchers.get(key);
  if (matcher === undefined) {
    matcher = toolMatcher(allowedTools);
    if (agentMatchers.size >= AGENT_MATCHERS_KEPT) agentMatchers.clear();
    agentMatchers.set(key, matcher);
  }
  return matcher;
}

const outcomeRank: Record<Outcome, number> = { allow: 0, allow_and_notify: 1, require_approval: 2, deny: 3 };
const tierRank: Record<RiskTier, number> = { low: 0, medium: 1, high: 2, critical: 3 };

interface Match {
  rule: CompiledRule;
  reason: string;
}

/**
 * Classifies one request. Deterministic and pure: the same policy and input
 * always give the same decision. The most restrictive matching rule wins
 * (deny > require_approval > allow_and_notify > allow, then tier, then quorum);
 * an expression that fails to evaluate never makes the result more permissive.
 */
export function evaluatePolicy(policy: CompiledPolicy, input: PolicyInput): Classification {
  const common = { policyVersion: policy.version };
  if (!input.toolKnown) {
    return { decision: 'deny', tier: 'critical', reasons: [`${UNKNOWN_TOOL} "${input.tool}": denied by default`], ...common, matchedRules: [] };
  }
  if (!agentToolMatcher(input.agent.allowedTools)(input.tool)) {
    return {
      decision: 'deny',
      tier: 'high',
      reasons: [`agent "${input.agent.id}" is not allowed to call "${input.tool}" (least privilege)`],
      ...common,
      matchedRules: [],
    };
  }
  const ctx: PolicyContext = {
    tool: input.tool,
    args: input.args,
    agent: { id: input.agent.id, team: input.agent.team, owner: input.agent.owner },
    rationale: input.rationale,
    result: input.signals ?? {},
  };
  const matches: Match[] = [];
  for (const rule of policy.rules) {
    if (!rule.matchesTool(input.tool)) continue;
    try {
      if (rule.condition(ctx)) matches.push({ rule, reason: `${rule.id}: ${rule.reason}` });
    } catch (error) {
      // Fail closed: a restrictive rule that cannot be evaluated counts as matched.
      if (outcomeRank[rule.outcome] >= outcomeRank.require_approval) {
        matches.push({ rule, reason: `${rule.id}: ${rule.reason} (condition could not be evaluated: ${evaluationErrorText(error)}; failing closed)` });
      }
    }
  }
  if (matches.length === 0) {
    const outcome = policy.file.defaults.unmatched;
    const tier: RiskTier = outcome === 'allow' ? 'low' : outcome === 'deny' ? 'high' : 'medium';
    const reasons = [`no rule matched "${input.tool}": default ${outcome}`];
    return toClassification(outcome, tier, reasons, undefined, policy, [], common);
  }
  const winner = mostRestrictive(matches.map((m) => m.rule));
  const tier = matches.reduce<RiskTier>((t, m) => maxTier(t, m.rule.tier), 'low');
  const reasons = [matches.find((m) => m.rule === winner)!.reason, ...matches.filter((m) => m.rule !== winner).map((m) => m.reason)];
  const classification = toClassification(
    winner.outcome,
    tier,
    reasons,
    winner.approval,
    policy,
    matches.map((m) => m.rule.id),
    common,
  );
  if (classification.decision !== 'require_approval') return classification;
  const others = matches.filter((m) => m.rule !== winner && m.rule.outcome === 'require_approval').map((m) => approvalRequirement(policy, m.rule.approval));
  return { ...classification, approval: strictestApproval(classification.approval, others) };
}

/**
 * An evaluation error as a reason quotes it: CEL's messages quote the value that failed (`cents(): "<amount>" is not…`,
 * `Invalid duration string: <value>`, `No such key: <key>`), the agent's, and reasons are stored and shown as they are.
 */
function evaluationErrorText(error: unknown): string {
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
  return redactText(message).text;
}

function mostRestrictive(rules: CompiledRule[]): CompiledRule {
  return rules.reduce((best, rule) => {
    const byOutcome = outcomeRank[rule.outcome] - outcomeRank[best.outcome];
    if (byOutcome !== 0) return byOutcome > 0 ? rule : best;
    const byTier = tierRank[rule.tier] - tierRank[best.tier];
    if (byTier !== 0) return byTier > 0 ? rule : best;
    return (rule.approval?.quorum ?? 0) > (best.approval?.quorum ?? 0) ? rule : best;
  });
}

function toClassification(
  outcome: Outcome | 'allow' | 'require_approval' | 'deny',
  tier: RiskTier,
  reasons: string[],
  approval: Partial<z.infer<typeof ApprovalSpec>> | undefined,
  policy: CompiledPolicy,
  matchedRules: string[],
  common: { policyVersion: string },
): Classification {
  switch (outcome) {
    case 'allow':
      return { decision: 'allow', tier, reasons, ...common, matchedRules };
    case 'allow_and_notify':
      return { decision: 'allow', tier, reasons, notify: true, ...common, matchedRules };
    case 'deny':
      return { decision: 'deny', tier, reasons, ...common, matchedRules };
    case 'require_approval':
      return { decision: 'require_approval', tier, reasons, approval: approvalRequirement(policy, approval), ...common, matchedRules };
  }
}

/** A rule's approval block over the policy defaults, in the workflow's terms. */
export function approvalRequirement(policy: CompiledPolicy, overrides: Partial<z.infer<typeof ApprovalSpec>> = {}): ApprovalRequirement {
  const spec = { ...policy.file.defaults.approval, ...overrides };
  return {
    requiredApprovals: spec.quorum,
    approverRole: spec.role,
    ...(spec.group ? { approverGroup: spec.group } : {}),
    denyEndsIt: spec.denyEndsIt,
    timeoutMs: spec.deadline,
    timeoutOutcome: spec.timeout,
    escalation: spec.escalation.map((step) => ({ afterMs: step.after, to: step.to })),
  };
}

/**
 * Raises a decision that let something through: at least `tier`, and a human
 * must approve. Deny stays deny. Used by guardrails, budgets and rate limits so
 * that nothing is silently passed or silently blocked. A decision that already
 * asks for approval is held to `approval` too (`strictestApproval`): a rule's
 * "one approver, approved at the deadline" no longer stood for a budget
 * threshold's "two admins, denied at the deadline".
 */
export function escalateToApproval(
  policy: CompiledPolicy,
  decision: Classification,
  tier: RiskTier,
  reason: string,
  approval: Partial<z.infer<typeof ApprovalSpec>> = {},
): Classification {
  const reasons = [...decision.reasons, reason];
  const raised = maxTier(decision.tier, tier);
  if (decision.decision === 'deny') return { ...decision, tier: raised, reasons };
  if (decision.decision === 'require_approval') {
    return { ...decision, tier: raised, reasons, approval: strictestApproval(decision.approval, [approvalRequirement(policy, approval)]) };
  }
  return {
    decision: 'require_approval',
    tier: raised,
    reasons,
    approval: approvalRequirement(policy, approval),
    ...(decision.policyVersion ? { policyVersion: decision.policyVersion } : {}),
    ...(decision.matchedRules ? { matchedRules: decision.matchedRules } : {}),
  };
}

export function denyWith(decision: Classification, reason: string, tier: RiskTier = 'high'): Classification {
  return {
    decision: 'deny',
    tier: maxTier(decision.tier, tier),
    // The first denial's reason leads: the outcome's reason is the list joined, and must not open with why the policy allowed it.
    reasons: decision.decision === 'deny' ? [...decision.reasons, reason] : [reason, ...decision.reasons],
    ...(decision.policyVersion ? { policyVersion: decision.policyVersion } : {}),
    ...(decision.matchedRules ? { matchedRules: decision.matchedRules } : {}),
  };
}

/** The rate limits that apply to a request, each with the counter key it increments. */
export function applicableRateLimits(policy: CompiledPolicy, agentId: string, tool: string) {
  return policy.rateLimits
    .filter((limit) => limit.matchesTool(tool))
    .map((limit) => ({
      limit,
      key: `${limit.id}:${limit.scope === 'agent' ? `agent=${agentId}` : limit.scope === 'tool' ? `tool=${tool}` : `agent=${agentId},tool=${tool}`}`,
    }));
}
