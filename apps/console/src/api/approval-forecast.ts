import type { ActionRequest } from '@airlock/core';
import { evaluatePolicy, type CompiledPolicy, type PolicyInput } from '@airlock/policy';
import type { AgentPrincipal } from './auth.js';
import type { PolicySource } from './policy.js';

/**
 * How old the policy a forecast reads may be. A forecast only picks where admission
 * runs (admission itself reads the policy in force), so one read a second is enough,
 * instead of a query on every submission.
 */
export const FORECAST_POLICY_MAX_AGE_MS = 1_000;

/**
 * Whether the policy has people decide this agent's request: its own answer, as
 * admission's first step gives it. Guardrails, rate limits, budgets and standing
 * approvals may change admission's answer, and a policy reloaded meanwhile too; a
 * forecast that proves wrong costs time, never a different decision.
 */
export function forecastApproval(policy: CompiledPolicy, agent: PolicyInput['agent'], request: ActionRequest): boolean {
  try {
    const classification = evaluatePolicy(policy, {
      tool: request.tool,
      // The console knows the demo tools only, not what the workers register beside them: the rules
      // decide the forecast, and admission denies a tool no worker has, whatever was forecast.
      toolKnown: true,
      args: request.args,
      agent,
      rationale: request.rationale,
      ...(request.signals ? { signals: request.signals } : {}),
    });
    return classification.decision === 'require_approval';
  } catch {
    // Admission meets the same failure and answers for it; the forecast just has none.
    return false;
  }
}

const recent = new WeakMap<PolicySource, { readAt: number; policy: Promise<CompiledPolicy | null> }>();

/** The policy in force as of at most FORECAST_POLICY_MAX_AGE_MS ago (null when it cannot be read: no forecast then). */
function recentPolicy(source: PolicySource, now = Date.now()): Promise<CompiledPolicy | null> {
  const cached = recent.get(source);
  if (cached && now - cached.readAt < FORECAST_POLICY_MAX_AGE_MS) return cached.policy;
  const policy = source.read().then(
    (active) => active.policy,
    () => null,
  );
  recent.set(source, { readAt: now, policy });
  return policy;
}

/** `submitAction`'s `expectsApproval` for an agent that called with its own key. */
export async function approvalForecastFor(source: PolicySource, principal: AgentPrincipal): Promise<(request: ActionRequest) => boolean> {
  const policy = await recentPolicy(source);
  const { team, ownerId, allowedTools } = principal.profile;
  const agent = { id: principal.agentId, team, owner: ownerId, allowedTools };
  return (request) => policy !== null && forecastApproval(policy, agent, request);
}
