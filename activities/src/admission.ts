import {
  PLAN_TOOL,
  PlanArgs,
  runIdempotencyKey,
  workflowIdForAction,
  type ApprovalRequirement,
  type BudgetImpactView,
  type Classification,
  type GuardedActionInput,
  type PlanStepView,
} from '@airlock/core';
import {
  appendAuditIn,
  appendAuditLockedIn,
  budgetCurrenciesFrom,
  budgetCurrenciesStatement,
  commitWith,
  consumeStandingApprovalIn,
  inGatedTransaction,
  inTransaction,
  killSwitchReason,
  rateLimitResultFrom,
  rateLimitStatements,
  reportAppended,
  requesterFrom,
  requesterStatement,
  ReservationReleasedError,
  reserveBudgetKnowingCurrenciesIn,
  rollbackWith,
  usableGrantsIn,
  type AuditEventBody,
  type AuditEventInput,
  type CommitWith,
  type RollbackWith,
} from '@airlock/db';
import type pg from 'pg';
import { applicableRateLimits, compileCondition, createPolicyEnvironment, denyWith, escalateToApproval, type CompiledPolicy, type PolicyProblem } from '@airlock/policy';
import { redact, redactText } from '@airlock/guardrails';
import { approverStanding } from './approvers.js';
import { reached } from './kill-points.js';
import { assess, type AgentRecord, type Assessment } from './assessment.js';
import { estimateCost, reserveCost } from './cost.js';
import { admitActionStatements, insertActionIn, isAlreadyAdmitted, toolStartedEvent, type NewActionRow } from './records.js';
import { openFirstRoundIn, readFirstRound, type OpenedRound } from './round-opening.js';
import { hasActionRow, readStoredAdmission } from './stored-admission.js';
import { recordShadowDifference, shadowAssessment } from './shadow.js';
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

/** Admission's answer, and whether the tool run was claimed in the same commit (the caller then runs it). */
export interface AdmissionResult {
  admission: Admission;
  runClaimed: boolean;
  /** Round 1, opened in admission's commit when the action waits for people. */
  opened?: OpenedRound;
}

type EventSink = (suffix: string, event: AuditEventBody) => void;

/** A retry found admission already committed: this attempt is rolled back and the first one read back. */
const ALREADY_ADMITTED = null;

/**
 * Admission, in order: who is asking (agent, kill switch), what policy and
 * guardrails say, rate limits, budget reservation, standing approvals. Every
 * step that changes the outcome adds a visible reason and an audit row.
 *
 * Everything admission writes (rate-limit event, reservation, grant use, the
 * action row, the claim of an allowed run or the first approval round of one
 * that waits for people, the audit rows) commits in ONE
 * transaction: it is the whole cost of the decision on the hot path, and a
 * retry either finds nothing or finds it all. A retry after a commit rolls its
 * own attempt back and returns the first attempt's decision, so the workflow
 * always follows what the audit log says.
 */
export function createAdmission(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * `underStartGate` (default: `claimRun`): read the agent and its kill switch under the
     * start gate, so the action commits before a switch (which then lists and cancels it)
     * or sees it, even when no run is claimed here.
     */
    async admitAction(input: GuardedActionInput, options: { claimRun: boolean; underStartGate?: boolean; workflowNowMs?: number }): Promise<AdmissionResult> {
      const { actionId, argsHash, request } = input;
      const now = new Date();
      const audit: AuditEventInput[] = [];
      const event: EventSink = (suffix, body) => audit.push({ ...body, eventKey: `${actionId}:${suffix}`, actionId });

      const estimate = estimateCost(deps, request.tool, request.args);
      const cost = estimate.ok ? estimate.cost : null;
      const rationale = redactText(request.rationale).text;
      // The live assessment of a known, enabled agent: the shadow policy's is compared with it after the commit.
      let assessed: { agent: AgentRecord; assessment: Assessment } | undefined;

      // Sent with BEGIN, in one round trip: the agent and its switch, for an action with a cost the currencies
      // its budgets are in, then the rate limits counted ahead (see countAhead), answering in that order.
      const policy = deps.policy.current();
      const limits = rateLimitCounters(policy, request);
      const budgetRead = cost ? [budgetCurrenciesStatement(request.agentId)] : [];
      const withBegin = [requesterStatement(request.agentId), ...budgetRead, ...countAhead(limits, actionId, now)].join('; ');
      // A run claimed here starts before a kill switch or sees it: the agent and its switch are read under the start gate.
      const transaction = (options.underStartGate ?? options.claimRun) ? inGatedTransaction : inTransaction;
      const result = await transaction(
        db,
        async (client, begun): Promise<AdmissionResult | typeof ALREADY_ADMITTED | RollbackWith<AdmissionResult | typeof ALREADY_ADMITTED> | CommitWith<AdmissionResult>> => {
          const requester = requesterFrom(begun[0]!.rows);
          const budgetCurrencies = budgetRead.length > 0 ? budgetCurrenciesFrom(begun[1]!.rows as { currency: string }[]) : new Set<string>();
          const counted = begun.slice(1 + budgetRead.length);
          const agent = requester?.agent ?? null;
          // A disabled agent is refused like an unknown one, with its own reason.
          const assessment: Assessment =
            agent && !agent.disabled
              ? assess(deps, request, agent)
              : {
                  classification: { decision: 'deny', tier: 'critical', reasons: [agent ? `agent "${request.agentId}" is disabled` : `unknown agent "${request.agentId}"`] },
                  redactedArgs: {},
                  guardrailFlags: [],
                  injectionSuspected: false,
                };
          if (agent && !agent.disabled) assessed = { agent, assessment };
          let { classification } = assessment;
          if (!estimate.ok) classification = denyWith(classification, `budget: ${estimate.reason}`);

          event('requested', {
            type: 'action.requested',
            actor: `agent:${request.agentId}`,
            payload: { tool: request.tool, args: assessment.redactedArgs, argsHash, rationale, requestedBy: request.requestedBy ?? null },
          });

          let budgetImpacts: BudgetImpactView[] = [];
          let budgetReserved = false;
          let standingGrantId: string | undefined;
          if (!agent) await undoCountAhead(client, limits);
          if (agent) {
            if (requester?.suspension) {
              classification = denyWith(classification, killSwitchReason(requester.suspension, 'suspended'), 'critical');
            }
            // What the policy's rules and the switches ask for, before rate limits and budgets add to it (see below).
            const byRules = classification;
            if (classification.decision !== 'deny') classification = applyRateLimits(policy, limits, counted, classification, event);
            else await undoCountAhead(client, limits);
            const reserved = await reserveCost(deps, classification, cost, (c) =>
              reserveBudgetKnowingCurrenciesIn(client, { actionId, agentId: agent.id, team: agent.team, amount: c.amount, currency: c.currency, at: now }, budgetCurrencies),
            );
            classification = reserved.classification;
            const { reservation } = reserved;
            if (reservation) budgetImpacts = reservation.impacts;
            if (reservation?.status === 'exceeded') {
              event('budget', { type: 'budget.exceeded', actor: 'system:budget', payload: { reason: reservation.reason, impacts: reservation.impacts } });
            } else if (reservation?.status === 'reserved' && cost) {
              budgetReserved = true;
              event('budget', { type: 'budget.reserved', actor: 'system:budget', payload: { amount: cost.amount, currency: cost.currency, impacts: reservation.impacts } });
            }
            // A standing approval stands in for the approval the policy's rules ask of one call, as its granter scoped it;
            // a rate limit or a budget threshold that asks for a person is a check on how often or how much, which no
            // grant's condition sees: that person is asked. A plan takes none (its steps cannot be bound; the ops layer
            // refuses such grants, and one stored before is not used).
            const grantable = classification === byRules && request.tool !== PLAN_TOOL;
            if (classification.decision === 'require_approval' && !assessment.injectionSuspected && grantable) {
              standingGrantId = await useStandingApproval(client, actionId, agent, request, classification.approval, now);
              if (standingGrantId) {
                classification = { ...classification, decision: 'allow', reasons: [...classification.reasons, `covered by standing approval ${standingGrantId}`] };
                event('standing', { type: 'approval.standing_used', actor: 'system:standing-approval', payload: { grantId: standingGrantId } });
              }
            }
          }
          if (assessment.guardrailFlags.length > 0) {
            event('guardrails', { type: 'guardrail.flagged', actor: 'system:guardrails', payload: { flags: assessment.guardrailFlags } });
          }
          event('classified', { type: 'action.classified', actor: 'system:policy', payload: { ...classification, ...(assessment.plan ? { plan: assessment.plan } : {}) } });
          const runClaimed = options.claimRun && agent !== null && classification.decision === 'allow';
          const claim = runClaimed ? { actionId, tool: request.tool, idempotencyKey: runIdempotencyKey(actionId) } : null;
          // The action waits for people: round 1 opens in this commit (no step of its own in the workflow).
          const waitsFor = agent && classification.decision === 'require_approval' ? classification.approval : null;
          let opened: OpenedRound | undefined;
          // Set when the action row and admission's audit rows go in COMMIT's message.
          let admitWithCommit: string | undefined;
          if (agent) {
            if (claim) audit.push(toolStartedEvent(claim));
            const row: NewActionRow = {
              id: actionId,
              agentId: request.agentId,
              tool: request.tool,
              args: assessment.redactedArgs,
              argsHash,
              rationale,
              idempotencyKey: request.idempotencyKey,
              requestedBy: request.requestedBy ?? null,
              riskTier: classification.tier,
              riskReasons: classification.reasons,
              policyVersion: classification.policyVersion ?? null,
              guardrailFlags: assessment.guardrailFlags,
              costEstimate: cost?.amount ?? null,
              signals: redact(request.signals ?? {}, { root: 'result' }).value,
              workflowId: workflowIdForAction(actionId),
              status: waitsFor ? 'awaiting_approval' : 'requested',
            };
            if (waitsFor) {
              if (!(await insertActionIn(client, row, claim))) return rollbackWith(ALREADY_ADMITTED);
              const round = await openFirstRoundIn(
                client,
                { actionId, agentId: request.agentId, requestedBy: request.requestedBy, argsHash, requirement: waitsFor, budgetImpacts },
                agent.ownerId,
                new Date(Math.max(now.getTime(), options.workflowNowMs ?? 0)),
              );
              opened = round.opened;
              // After admission's own rows, as when the workflow opened the round after this commit.
              audit.push(round.event);
              // The insert took the chain lock.
              await appendAuditLockedIn(client, ...audit);
            } else admitWithCommit = admitActionStatements(client, row, claim, audit);
          } else {
            await appendAuditIn(client, ...audit);
          }
          const admission: Admission = {
            classification,
            guardrailFlags: assessment.guardrailFlags,
            budgetImpacts,
            budgetReserved,
            ...(assessment.plan ? { plan: assessment.plan } : {}),
            ...(standingGrantId ? { standingGrantId } : {}),
          };
          if (opened) reached(deps, 'admission.before-commit');
          const answer: AdmissionResult = { admission, runClaimed, ...(opened ? { opened } : {}) };
          if (!admitWithCommit) return answer;
          return commitWith(admitWithCommit, ([, appended]) => {
            reportAppended(appended!);
            return answer;
          });
        },
        { withBegin },
      ).catch(async (error: unknown) => {
        // The row an earlier attempt committed failed the insert: nothing of this one committed.
        if (await isAlreadyAdmitted(db, actionId, error)) return ALREADY_ADMITTED;
        // The reservation step runs before the insert: an earlier attempt committed a reservation that its run's end
        // has since released (a failed run, then the worker died before Temporal heard). The action's reservation is
        // made only in admission's commit, so it is proof of that commit: answered from it like the insert's conflict.
        if (error instanceof ReservationReleasedError && (await hasActionRow(db, actionId))) return ALREADY_ADMITTED;
        throw error;
      });
      if (result?.opened) reached(deps, 'admission.after-commit');
      if (result && assessed) {
        // Beside the live decision, never instead of it: assessed only to record a disagreement.
        const shadow = await shadowAssessment(deps, input, assessed.agent, assessed.assessment, cost);
        if (shadow) await recordShadowDifference(deps, shadow);
      }
      // The first attempt's run (if it claimed one) is picked up by the caller through the execution record.
      if (result) return result;
      const stored = await readStoredAdmission(db, actionId);
      const { classification } = stored;
      // The round that attempt opened, if it opened one (the approval row is keyed on (action, round)).
      const opened =
        classification.decision === 'require_approval'
          ? await readFirstRound(db, { actionId, agentId: request.agentId, requestedBy: request.requestedBy, requirement: classification.approval })
          : undefined;
      return { admission: stored, runClaimed: false, ...(opened ? { opened } : {}) };
    },
  };
}

const RATE_SAVEPOINT = 'rate_limits';

/** A rate limit's counter as this request increments it: by how many events, for which of its tool calls. */
interface RateLimitCounter {
  limit: ReturnType<typeof applicableRateLimits>[number]['limit'];
  key: string;
  /** One per tool call the limit applies to: a plan's steps each count, as if sent one by one. */
  events: number;
  /** The tools of those calls (a plan's steps), for the reason. */
  tools: string[];
  fromPlan: boolean;
}

/**
 * The counters a request increments. A single action: each limit that applies to its tool, once. A plan: each
 * step counts as a call of its own tool, so a limit on `payments.refund` counts every refund step and an agent-scope
 * limit one event per step (each step is a tool call); a limit that matches no step but `airlock.plan` itself counts
 * the plan once. Sorted by key: admissions lock counters in one order, so two plans never wait on each other's.
 */
function rateLimitCounters(policy: CompiledPolicy, request: GuardedActionInput['request']): RateLimitCounter[] {
  const plan = request.tool === PLAN_TOOL ? PlanArgs.safeParse(request.args) : undefined;
  // A malformed plan is denied at classification: it counts (and is undone) as one request.
  const calls = plan?.success ? plan.data.steps.map((step) => step.tool) : [request.tool];
  const counters = new Map<string, RateLimitCounter>();
  for (const tool of calls) {
    for (const { limit, key } of applicableRateLimits(policy, request.agentId, tool)) {
      const counter = counters.get(key);
      if (counter) {
        counter.events += 1;
        if (!counter.tools.includes(tool)) counter.tools.push(tool);
      } else counters.set(key, { limit, key, events: 1, tools: [tool], fromPlan: plan?.success === true });
    }
  }
  if (plan?.success) {
    const counted = new Set([...counters.values()].map((c) => c.limit.id));
    for (const { limit, key } of applicableRateLimits(policy, request.agentId, PLAN_TOOL)) {
      if (!counted.has(limit.id)) counters.set(key, { limit, key, events: 1, tools: [PLAN_TOOL], fromPlan: false });
    }
  }
  return [...counters.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The rate limits that apply to this agent and tool, counted before the decision
 * is known, so they travel with BEGIN instead of costing two round trips each
 * later: a savepoint first, then each limit's lock and count. They stand only if
 * the action is admitted far enough to count (a known agent, not yet denied);
 * otherwise undoCountAhead rolls them back. Results: begun[1] is the savepoint,
 * then each limit's lock and count (applyRateLimits).
 */
function countAhead(limits: RateLimitCounter[], actionId: string, at: Date): string[] {
  if (limits.length === 0) return [];
  return [`SAVEPOINT ${RATE_SAVEPOINT}`, ...limits.map(({ limit, key, events }) => rateLimitStatements({ key, actionId, limit: limit.limit, windowMs: limit.window, at, events }))];
}

/** Rolls back the counts of an action that is not to be counted (unknown agent, already denied). */
async function undoCountAhead(client: pg.PoolClient, limits: RateLimitCounter[]): Promise<void> {
  if (limits.length > 0) await client.query(`ROLLBACK TO SAVEPOINT ${RATE_SAVEPOINT}`);
}

/** Each limit's count (sent with BEGIN, see countAhead) applied to the classification, with an audit row per limit exceeded. */
function applyRateLimits(
  policy: CompiledPolicy,
  limits: RateLimitCounter[],
  /** countAhead's results: the savepoint's, then each limit's lock and count. */
  results: pg.QueryResult[],
  classification: Classification,
  event: EventSink,
): Classification {
  let result = classification;
  limits.forEach(({ limit, key, events, tools, fromPlan }, i) => {
    // After the savepoint (0), each limit is a lock and a count.
    const counted = rateLimitResultFrom(results[1 + 2 * i + 1]!.rows as Parameters<typeof rateLimitResultFrom>[0]);
    if (counted.allowed) return;
    const steps = fromPlan ? `, counting the plan's ${events} ${events === 1 ? 'step' : 'steps'} calling ${tools.join(', ')}` : '';
    const reason = `rate limit ${limit.id}: more than ${limit.limit} requests per ${limit.window / 1000}s (${limit.scope})${steps}`;
    // A plan can exceed one limit on several counters (a tool-scope limit, steps of two tools): one row each.
    event(fromPlan ? `rate:${key}` : `rate:${limit.id}`, { type: 'rate_limit.exceeded', actor: 'system:rate-limit', payload: { limit: limit.id, key, count: counted.count } });
    result = limit.outcome === 'deny' ? denyWith(result, reason) : escalateToApproval(policy, result, 'medium', reason);
  });
  return result;
}

/**
 * The first active grant that matches and that its granter could have given as an
 * approval of this very action (role, group, single approver, not their own
 * request or agent), consumed atomically; undefined if none.
 */
async function useStandingApproval(
  client: pg.PoolClient,
  actionId: string,
  agent: AgentRecord,
  request: GuardedActionInput['request'],
  requirement: ApprovalRequirement,
  at: Date,
): Promise<string | undefined> {
  if (requirement.requiredApprovals > 1) return undefined;
  const grants = await usableGrantsIn(client, { agentId: agent.id, tool: request.tool, at });
  for (const grant of grants) {
    const { granter } = grant;
    if (!granter || approverStanding(granter, requirement, { requestedBy: request.requestedBy, ownerId: agent.ownerId }).kind !== 'eligible') continue;
    const problems: PolicyProblem[] = [];
    const matches = compileCondition(grantEnv, grant.condition, 'condition', grant.id, problems);
    let matched: boolean;
    try {
      matched =
        problems.length === 0 && matches({ tool: request.tool, args: request.args, agent: { id: agent.id, team: agent.team, owner: agent.ownerId }, rationale: '', result: {} });
    } catch {
      // A condition that cannot be evaluated never grants anything.
      matched = false;
    }
    if (matched && (await consumeStandingApprovalIn(client, { grantId: grant.id, actionId, at }))) return grant.id;
  }
  return undefined;
}
