import { randomUUID } from 'node:crypto';
import { type ApprovalRequirement, type BudgetImpactView, type Classification, type GuardedActionInput, type RecordedDecision, type StandingApprovalDraft } from '@airlock/core';
import { argsHash as hashArgs } from '@airlock/core/hashing';
import { appendAudit, approverStandingNow, type AuditEventInput, type Db, type Prisma } from '@airlock/db';
import { CHANGED_REDACTED_VALUE, redact, restoreRedacted } from '@airlock/guardrails';
import { denyWith } from '@airlock/policy';
import { assess, loadAgent } from './assessment.js';
import { estimateCost } from './cost.js';
import { settleEditBudget } from './edit-budget.js';
import { resolveApprovers, type ApproverSet } from './approvers.js';
import { approvalOpenedEvent, type OpenedApproval, type RoundToOpen } from './round-opening.js';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';
import { writeRememberedGrant } from './remembered-grant.js';

/** A round the workflow opens: round 1 of actions admitted before admission opened it, and every round after an edit. */
export type OpenApprovalInput = RoundToOpen;
export type { OpenedApproval, OpenedRound } from './round-opening.js';

export type ApprovalClosure = 'approved' | 'denied' | 'expired' | 'cancelled';

/** One person's decision in one round, as `recordDecision` writes it. */
export interface DecisionRecord {
  actionId: string;
  approvalId: string;
  round: number;
  argsHash: string;
  decision: RecordedDecision;
  editedArgs?: Record<string, unknown>;
  /** Approve and remember: written first, so a visible decision always has its grant. */
  standingApproval?: StandingApprovalDraft;
}

/** How a round ended, as `closeApproval` writes it. */
export interface RoundClosure {
  actionId: string;
  approvalId: string;
  round: number;
  closure: ApprovalClosure;
  reason: string;
}

export function decisionEvent(input: DecisionRecord): AuditEventInput {
  const { actionId, approvalId, decision } = input;
  return {
    eventKey: `${actionId}:decision:${input.round}:${decision.approverId}`,
    actionId,
    type: 'approval.decision',
    actor: `user:${decision.approverId}`,
    payload: { approvalId, ...decision, argsHash: input.argsHash, ...(input.editedArgs ? { editedArgs: input.editedArgs } : {}) },
  };
}

export function closureEvent(input: RoundClosure): AuditEventInput {
  const { actionId, closure } = input;
  return {
    // One closing per round: the key keeps a later closing (a cancellation) from adding a second one.
    eventKey: `${actionId}:approval.closed:${input.round}`,
    actionId,
    type: closure === 'expired' ? 'approval.timed_out' : `approval.${closure}`,
    actor: closure === 'expired' ? 'system:deadline' : 'system:workflow',
    payload: { approvalId: input.approvalId, round: input.round, reason: input.reason },
  };
}

export type EditReview =
  | { ok: false; reason: string }
  | {
      ok: true;
      classification: Classification;
      argsHash: string;
      /** The edit with the values it kept redacted put back: what runs. Absent in histories before it existed (the edit ran as sent). */
      args?: Record<string, unknown>;
      redactedArgs: Record<string, unknown>;
      budgetHolder: string;
      budgetReserved: boolean;
      budgetImpacts: BudgetImpactView[];
    };

export function createApprovalActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    async openApproval(input: OpenApprovalInput): Promise<OpenedApproval> {
      const { actionId, round, requirement } = input;
      const approvers = await resolveApprovers(db, input);
      // Keyed on (action, round) so a retried activity finds the approval it already opened.
      const approval = await db.prisma.approval.upsert({
        where: { actionId_round: { actionId, round } },
        create: {
          id: randomUUID(),
          actionId,
          round,
          requiredApprovals: requirement.requiredApprovals,
          approverRole: requirement.approverRole,
          approverGroup: requirement.approverGroup ?? null,
          argsHash: input.argsHash,
          deadline: input.deadline ? new Date(input.deadline) : null,
          timeoutOutcome: requirement.timeoutOutcome,
          budgetImpact: input.budgetImpacts,
        },
        update: {},
      });
      await db.prisma.action.update({ where: { id: actionId }, data: { status: 'awaiting_approval', argsHash: input.argsHash } });
      await appendAudit(db, approvalOpenedEvent(input, approval.id, approvers));
      return { approvalId: approval.id, ...approvers };
    },

    async escalateApproval(input: {
      actionId: string;
      approvalId: string;
      round: number;
      level: number;
      to: string;
      requirement: ApprovalRequirement;
      agentId: string;
      requestedBy?: string | undefined;
    }): Promise<ApproverSet> {
      const chain = input.requirement.escalation.map((s) => s.to);
      // At the deadline (the level after the chain) only the steps that happened before it stay: one due at or after it never does.
      const escalatedTo = input.level <= chain.length ? chain.slice(0, input.level) : [...(await stepsTaken(db, input.actionId, input.approvalId, chain.length)), input.to];
      const approvers = await resolveApprovers(db, { ...input, escalatedTo });
      reached(deps, 'escalate.before-write');
      await db.prisma.approval.update({ where: { id: input.approvalId }, data: { escalationLevel: input.level } });
      reached(deps, 'escalate.between-writes');
      await appendAudit(db, {
        eventKey: `${input.actionId}:approval.escalated:${input.round}:${input.level}`,
        actionId: input.actionId,
        type: 'approval.escalated',
        actor: 'system:deadline',
        payload: { approvalId: input.approvalId, level: input.level, to: input.to, eligibleApprovers: approvers.eligibleApprovers.map((a) => a.id) },
      });
      reached(deps, 'escalate.after-write');
      return approvers;
    },

    /**
     * Which of a round's approvers may still decide it now (read only): an active account with standing by the
     * rule the decision use case refuses the others with (`approverStandingNow`: role and group, the escalations
     * taken so far, not the requester nor the agent's current owner). At a deadline that times the round out the
     * workflow stops counting the others as a vote still to come.
     */
    async approversStillStanding(input: { actionId: string; approvalId: string; approverIds: string[] }): Promise<string[]> {
      const round = await approverStandingNow(db, input.actionId, input.approverIds, input.approvalId);
      // No such round stored: nothing to narrow by.
      if (!round) return input.approverIds;
      return round.people.filter((p) => p.standing.kind === 'eligible').map((p) => p.id);
    },

    async recordDecision(input: DecisionRecord): Promise<void> {
      const { actionId, approvalId, decision } = input;
      reached(deps, 'decision.before-write');
      if (input.standingApproval) {
        await writeRememberedGrant(db, { actionId, approverId: decision.approverId, decidedAt: decision.decidedAt, draft: input.standingApproval });
      }
      await db.prisma.approvalDecision.upsert({
        where: { approvalId_userId: { approvalId, userId: decision.approverId } },
        create: {
          id: randomUUID(),
          approvalId,
          userId: decision.approverId,
          channel: decision.channel,
          decision: decision.decision,
          comment: decision.comment ?? null,
          feedback: decision.feedback ?? null,
          argsHash: input.argsHash,
          ...(input.editedArgs ? { editedArgs: input.editedArgs as Prisma.InputJsonObject } : {}),
          decidedAt: new Date(decision.decidedAt),
        },
        update: {},
      });
      reached(deps, 'decision.between-writes');
      await appendAudit(db, decisionEvent(input));
      reached(deps, 'decision.after-write');
    },

    async closeApproval(input: RoundClosure): Promise<void> {
      reached(deps, 'close.before-write');
      await db.prisma.approval.updateMany({ where: { id: input.approvalId, status: 'open' }, data: { status: input.closure, closedAt: new Date() } });
      reached(deps, 'close.between-writes');
      await appendAudit(db, closureEvent(input));
      reached(deps, 'close.after-write');
    },

    /**
     * Re-classifies an approver's edited arguments exactly as a new request would
     * be (schema, policy, guardrails, budget), so an edit can never lower the tier
     * below what the policy yields for the new arguments.
     */
    async reviewEdit(input: {
      input: GuardedActionInput;
      round: number;
      approverId: string;
      editedArgs: Record<string, unknown>;
      previousBudgetHolder: string;
      /** The arguments the approver was shown, unredacted: what an edit's kept markers stand for (the request's before an earlier edit). */
      baseArgs?: Record<string, unknown>;
    }): Promise<EditReview> {
      const { actionId, request } = input.input;
      const agent = await loadAgent(deps, request.agentId);
      if (!agent) return { ok: false, reason: `unknown agent "${request.agentId}"` };
      // The approver edited the redacted arguments: a marker kept as shown keeps the value behind it.
      const base = input.baseArgs ?? request.args;
      const restored = restoreRedacted(input.editedArgs, redact(base).value, base, 'editedArgs');
      const editedArgs = restored.value as Record<string, unknown>;
      const assessment = assess(deps, { ...request, args: editedArgs }, agent);
      const newHash = hashArgs(editedArgs);
      if (restored.unresolved.length > 0) {
        const reason = `${restored.unresolved.join(', ')}: ${CHANGED_REDACTED_VALUE}`;
        await appendAudit(db, {
          eventKey: `${actionId}:edit.rejected:${input.round}:${input.approverId}:${newHash}`,
          actionId,
          type: 'approval.edit_rejected',
          actor: `user:${input.approverId}`,
          payload: { reasons: [reason], editedArgs: assessment.redactedArgs },
        });
        return { ok: false, reason };
      }
      if (assessment.invalidInput) {
        await appendAudit(db, {
          eventKey: `${actionId}:edit.rejected:${input.round}:${input.approverId}:${newHash}`,
          actionId,
          type: 'approval.edit_rejected',
          actor: `user:${input.approverId}`,
          payload: { reasons: assessment.classification.reasons, editedArgs: assessment.redactedArgs },
        });
        return { ok: false, reason: assessment.classification.reasons.join('; ') };
      }
      const estimate = estimateCost(deps, request.tool, editedArgs);
      const priced = estimate.ok ? assessment.classification : denyWith(assessment.classification, `budget: ${estimate.reason}`);
      const cost = estimate.ok ? estimate.cost : null;
      // Rate limits are not counted again: admission counted this action (its tool call, or each step of a plan)
      // once, and an edit is a person's correction of that same call, not another call by the agent. An edit
      // that adds steps to a plan adds calls no limit counts; the approver who wrote them is the check on those.
      const { classification, budgetHolder, budgetReserved, budgetImpacts } = await settleEditBudget(deps, {
        actionId,
        round: input.round,
        agent,
        classification: priced,
        cost,
        previousHolder: input.previousBudgetHolder,
        record: (reviewed) => ({
          audit: {
            type: 'approval.edit_classified',
            actor: 'system:policy',
            payload: { argsHash: newHash, editedArgs: assessment.redactedArgs, ...reviewed },
          },
          action: { args: assessment.redactedArgs, argsHash: newHash, costEstimate: cost?.amount ?? null },
        }),
      });
      return { ok: true, classification, argsHash: newHash, args: editedArgs, redactedArgs: assessment.redactedArgs, budgetHolder, budgetReserved, budgetImpacts };
    },
  };
}

/** The escalation chain's steps a round took (their `approval.escalated` rows), in order. */
async function stepsTaken(db: Db, actionId: string, approvalId: string, chainLength: number): Promise<string[]> {
  const { rows } = await db.pool.query<{ to: string }>(
    `SELECT payload->>'to' AS to FROM audit_events
      WHERE action_id = $1 AND type = 'approval.escalated' AND payload->>'approvalId' = $2 AND (payload->>'level')::int <= $3 ORDER BY seq`,
    [actionId, approvalId, chainLength],
  );
  return rows.map((r) => r.to);
}
