import { roleAtLeast, workflowIdForAction, type ApprovalRequirement, type BudgetImpactView, type Classification, type GuardedActionInput, type PlanStepView } from '@airlock/core';
import {
  activeGrantsFor,
  activeSuspension,
  consumeRateLimit,
  consumeStandingApproval,
  reserveBudget,
  type AuditEventInput,
} from '@airlock/db';
import { applicableRateLimits, compileCondition, createPolicyEnvironment, denyWith, escalateToApproval, type PolicyProblem } from '@airlock/policy';
import { redactText } from '@airlock/guardrails';
import { assess, loadAgent, type AgentRecord, type Assessment } from './assessment.js';
import { estimateCost } from './cost.js';
import { recordAdmission } from './records.js';
import type { ActivityDeps } from './deps.js';

export interface Admission {
  classification: Classification;
  /** For plans: each step with its classification and rollback, as approvers see it. */
  plan?: PlanStepView[];
  guardrailFlags: string[];
  budgetImpacts: BudgetImpactView[];
  /** Set when a standing approval let the action through without waiting. */
  standingGrantId?: string;
  /** Whether money is held for this action (so completion must commit or release it). */
  budgetReserved: boolean;
}

const grantEnv = createPolicyEnvironment();

/**
 * Admission, in order: who is asking (agent, kill switch), what policy and
 * guardrails say, rate limits, budget reservation, standing approvals. Every
 * step that changes the outcome adds a visible reason and an audit row.
 * Idempotent: rate-limit events, reservations and grant uses are keyed by action.
 */
export function createAdmission(deps: ActivityDeps) {
  const { db } = deps;
  return {
    async admitAction(input: GuardedActionInput): Promise<Admission> {
      const { actionId, argsHash, request } = input;
      const now = new Date();
      const audit: AuditEventInput[] = [];
      const event = (suffix: string, type: string, actor: string, payload: Record<string, unknown>) =>
        audit.push({ eventKey: `${actionId}:${suffix}`, actionId, type, actor, payload });

      const agent = await loadAgent(deps, request.agentId);
      const assessment: Assessment = agent
        ? assess(deps, request, agent)
        : { classification: { decision: 'deny', tier: 'critical', reasons: [`unknown agent "${request.agentId}"`] }, redactedArgs: {}, guardrailFlags: [], injectionSuspected: false };
      let { classification } = assessment;
      let budgetImpacts: BudgetImpactView[] = [];
      let budgetReserved = false;
      let standingGrantId: string | undefined;
      const estimate = estimateCost(deps, request.tool, request.args);
      const cost = estimate.ok ? estimate.cost : null;
      if (!estimate.ok) classification = denyWith(classification, `budget: ${estimate.reason}`);

      event('requested', 'action.requested', `agent:${request.agentId}`, {
        tool: request.tool,
        args: assessment.redactedArgs,
        argsHash,
        rationale: redactText(request.rationale).text,
        requestedBy: request.requestedBy ?? null,
      });

      if (agent) {
        const suspension = await activeSuspension(db, { agentId: agent.id, team: agent.team });
        if (suspension) {
          classification = denyWith(classification, `suspended by the kill switch (${suspension.scope} ${suspension.target}) by ${suspension.createdBy}: ${suspension.reason}`, 'critical');
        }
        if (classification.decision !== 'deny') classification = await applyRateLimits(deps, actionId, agent, request.tool, classification, now, event);
        if (classification.decision !== 'deny' && cost) {
          const reservation = await reserveBudget(db, { actionId, agentId: agent.id, team: agent.team, amount: cost.amount, currency: cost.currency, at: now });
          budgetImpacts = reservation.impacts;
          if (reservation.status === 'exceeded') {
            classification = denyWith(classification, `budget: ${reservation.reason}`);
            event('budget', 'budget.exceeded', 'system:budget', { reason: reservation.reason, impacts: reservation.impacts });
          } else if (reservation.status === 'reserved') {
            budgetReserved = true;
            event('budget', 'budget.reserved', 'system:budget', { amount: cost.amount, currency: cost.currency, impacts: reservation.impacts });
            if (reservation.needsApproval) {
              const policy = deps.policy.current();
              classification = escalateToApproval(policy, classification, 'medium', `budget: ${cost.amount} ${cost.currency} crosses a budget's approval threshold`, policy.file.defaults.budgetApproval);
            }
          }
        }
        if (classification.decision === 'require_approval' && !assessment.injectionSuspected) {
          standingGrantId = await useStandingApproval(deps, actionId, agent, request, classification.approval, now);
          if (standingGrantId) {
            classification = { ...classification, decision: 'allow', reasons: [...classification.reasons, `covered by standing approval ${standingGrantId}`] };
            event('standing', 'approval.standing_used', 'system:standing-approval', { grantId: standingGrantId });
          }
        }
      }
      if (assessment.guardrailFlags.length > 0) {
        event('guardrails', 'guardrail.flagged', 'system:guardrails', { flags: assessment.guardrailFlags });
      }
      event('classified', 'action.classified', 'system:policy', { ...classification, ...(assessment.plan ? { plan: assessment.plan } : {}) });
      await recordAdmission(
        db,
        agent
          ? {
              id: actionId,
              agentId: request.agentId,
              tool: request.tool,
              args: assessment.redactedArgs,
              argsHash,
              rationale: redactText(request.rationale).text,
              idempotencyKey: request.idempotencyKey,
              requestedBy: request.requestedBy ?? null,
              riskTier: classification.tier,
              riskReasons: classification.reasons,
              policyVersion: classification.policyVersion ?? null,
              guardrailFlags: assessment.guardrailFlags,
              costEstimate: cost?.amount ?? null,
              workflowId: workflowIdForAction(actionId),
            }
          : null,
        audit,
      );
      return {
        classification,
        guardrailFlags: assessment.guardrailFlags,
        budgetImpacts,
        budgetReserved,
        ...(assessment.plan ? { plan: assessment.plan } : {}),
        ...(standingGrantId ? { standingGrantId } : {}),
      };
    },
  };
}

async function applyRateLimits(
  deps: ActivityDeps,
  actionId: string,
  agent: AgentRecord,
  tool: string,
  classification: Classification,
  at: Date,
  event: (suffix: string, type: string, actor: string, payload: Record<string, unknown>) => void,
): Promise<Classification> {
  const policy = deps.policy.current();
  let result = classification;
  for (const { limit, key } of applicableRateLimits(policy, agent.id, tool)) {
    const counted = await consumeRateLimit(deps.db, { key, actionId, limit: limit.limit, windowMs: limit.window, at });
    if (counted.allowed) continue;
    const reason = `rate limit ${limit.id}: more than ${limit.limit} requests per ${limit.window / 1000}s (${limit.scope})`;
    event(`rate:${limit.id}`, 'rate_limit.exceeded', 'system:rate-limit', { limit: limit.id, key, count: counted.count });
    result = limit.outcome === 'deny' ? denyWith(result, reason) : escalateToApproval(policy, result, 'medium', reason);
  }
  return result;
}

/**
 * The first active grant that matches and that its granter could have given as an
 * approval of this very action (role, group, single approver, not their own
 * request or agent), consumed atomically; undefined if none.
 */
async function useStandingApproval(
  deps: ActivityDeps,
  actionId: string,
  agent: AgentRecord,
  request: GuardedActionInput['request'],
  requirement: ApprovalRequirement,
  at: Date,
): Promise<string | undefined> {
  if (requirement.requiredApprovals > 1) return undefined;
  const grants = await activeGrantsFor(deps.db, { agentId: agent.id, tool: request.tool, at });
  for (const grant of grants) {
    const granter = await deps.db.prisma.user.findUnique({ where: { id: grant.grantedBy }, select: { id: true, role: true, groups: true } });
    const couldApprove =
      granter !== null &&
      roleAtLeast(granter.role, requirement.approverRole) &&
      (!requirement.approverGroup || granter.groups.includes(requirement.approverGroup)) &&
      granter.id !== request.requestedBy &&
      granter.id !== agent.ownerId;
    if (!couldApprove) continue;
    const problems: PolicyProblem[] = [];
    const matches = compileCondition(grantEnv, grant.condition, 'condition', grant.id, problems);
    let matched: boolean;
    try {
      matched = problems.length === 0 && matches({ tool: request.tool, args: request.args, agent: { id: agent.id, team: agent.team, owner: agent.ownerId }, rationale: '', result: {} });
    } catch {
      // A condition that cannot be evaluated never grants anything.
      matched = false;
    }
    if (matched && (await consumeStandingApproval(deps.db, { grantId: grant.id, actionId, at }))) return grant.id;
  }
  return undefined;
}
