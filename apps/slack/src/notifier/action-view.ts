import { RiskTier, type BudgetImpactView } from '@airlock/core';
import type { Db } from '@airlock/db';
import type { ApprovalCard, DecisionLine, ExecutionState, RoundStatus } from '../blocks/approval-message.js';

/** One approval round of an action, ready to render, with who may decide it. */
export interface RoundView {
  card: ApprovalCard;
  /** Airlock user ids allowed to decide (after escalations), from the audit log. */
  eligibleApprovers: string[];
  /** Every escalation target of the round, in order. */
  escalatedTo: string[];
}

export interface ActionView {
  actionId: string;
  team: string | null;
  rounds: RoundView[];
}

interface EventRow {
  type: string;
  payload: unknown;
  createdAt: Date;
}

type Payload = Record<string, unknown>;

const asPayload = (value: unknown): Payload => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Payload) : {});
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const tierOf = (value: unknown): RiskTier | null => {
  const parsed = RiskTier.safeParse(value);
  return parsed.success ? parsed.data : null;
};

/**
 * Everything the Slack messages of an action show, read from the database and
 * the action's audit rows (both redacted at write). Rendering from the current
 * state, not from the one event that woke us, makes every update idempotent and
 * order-proof: a replayed or late event renders the same message.
 */
export async function loadActionView(db: Db, actionId: string, consoleUrl: string): Promise<ActionView | undefined> {
  const action = await db.prisma.action.findUnique({
    where: { id: actionId },
    include: { agent: { select: { team: true } }, approvals: { orderBy: { round: 'asc' } } },
  });
  if (!action || action.approvals.length === 0) return undefined;
  const events: EventRow[] = await db.prisma.auditEvent.findMany({
    where: { actionId },
    orderBy: { seq: 'asc' },
    select: { type: true, payload: true, createdAt: true },
  });
  const of = (type: string) => events.filter((e) => e.type === type);
  const forApproval = (type: string, approvalId: string) => of(type).filter((e) => asPayload(e.payload).approvalId === approvalId);

  const deciderIds = new Set(of('approval.decision').map((e) => str(asPayload(e.payload).approverId) ?? ''));
  const names = new Map(
    (await db.prisma.user.findMany({ where: { id: { in: [...deciderIds] } }, select: { id: true, name: true } })).map((u) => [u.id, u.name]),
  );

  const requested = asPayload(of('action.requested')[0]?.payload);
  const classified = asPayload(of('action.classified')[0]?.payload);
  const completed = of('action.completed')[0];
  const lastRound = action.approvals.at(-1)!.round;

  const rounds = action.approvals.map((approval): RoundView => {
    // The arguments and classification this round decides on: the request's, or the edit that opened it.
    const edit = of('approval.edit_classified')
      .map((e) => asPayload(e.payload))
      .filter((p) => p.argsHash === approval.argsHash)
      .at(-1);
    const args = asPayload(edit ? edit.editedArgs : requested.args);
    const tier = tierOf(edit ? edit.tier : classified.tier) ?? action.riskTier;
    const reasons = strings(edit ? edit.reasons : classified.reasons);

    const opened = of('approval.opened').map((e) => asPayload(e.payload)).find((p) => p.round === approval.round);
    const escalations = forApproval('approval.escalated', approval.id).map((e) => asPayload(e.payload));
    const lastEscalation = escalations.at(-1);
    const eligibleApprovers = strings((lastEscalation ?? opened)?.eligibleApprovers);

    const decisions: DecisionLine[] = forApproval('approval.decision', approval.id)
      .map((e) => asPayload(e.payload))
      .filter((p) => p.round === approval.round)
      .map((p) => {
        const approverId = str(p.approverId) ?? 'unknown';
        const comment = str(p.comment);
        return {
          approverId,
          approverName: names.get(approverId) ?? approverId,
          decision: p.decision === 'deny' ? 'deny' : 'approve',
          ...(comment ? { comment } : {}),
          edited: typeof p.editedArgsHash === 'string',
          decidedAt: new Date(str(p.decidedAt) ?? Date.now()),
        };
      });

    const status = roundStatus(
      [...forApproval('approval.approved', approval.id), ...forApproval('approval.denied', approval.id), ...forApproval('approval.timed_out', approval.id), ...forApproval('approval.cancelled', approval.id)][0],
      approval,
      approval.round < lastRound,
    );
    const execution: ExecutionState =
      approval.round === lastRound ? executionState(events, status, completed) : { kind: 'not_started' };

    return {
      eligibleApprovers,
      escalatedTo: escalations.map((p) => str(p.to)).filter((t): t is string => t !== undefined),
      card: {
        actionId,
        approvalId: approval.id,
        round: approval.round,
        tool: action.tool,
        agentId: action.agentId,
        team: action.agent.team,
        requestedBy: action.requestedBy,
        tier,
        reasons: reasons.length > 0 ? reasons : strings(action.riskReasons),
        args,
        argsHash: approval.argsHash,
        rationale: action.rationale,
        budgetImpacts: Array.isArray(approval.budgetImpact) ? (approval.budgetImpact as unknown as BudgetImpactView[]) : [],
        deadline: approval.deadline,
        requiredApprovals: approval.requiredApprovals,
        approverRole: approval.approverRole,
        approverGroup: approval.approverGroup,
        escalation: lastEscalation ? { level: Number(lastEscalation.level ?? approval.escalationLevel), to: str(lastEscalation.to) ?? 'more approvers' } : null,
        decisions,
        status,
        execution,
        consoleUrl,
      },
    };
  });
  return { actionId, team: action.agent.team, rounds };
}

function roundStatus(
  closing: EventRow | undefined,
  approval: { status: string; closedAt: Date | null },
  superseded: boolean,
): RoundStatus {
  const at = closing?.createdAt ?? approval.closedAt ?? new Date();
  const reason = str(asPayload(closing?.payload).reason) ?? '';
  const kind = closing ? closing.type.slice('approval.'.length) : approval.status;
  switch (kind) {
    case 'approved':
      return superseded ? { kind: 'superseded', at, reason: reason || 'an approver edited the arguments; a new round decides them' } : { kind: 'approved', at };
    case 'denied':
      return { kind: 'denied', at };
    case 'timed_out':
    case 'expired':
      return { kind: 'expired', at };
    case 'cancelled':
      return { kind: 'cancelled', at, reason: reason || 'cancelled' };
    default:
      return { kind: 'open' };
  }
}

function executionState(events: EventRow[], status: RoundStatus, completed: EventRow | undefined): ExecutionState {
  const last = (type: string) => events.filter((e) => e.type === type).at(-1);
  const failed = last('tool.failed');
  if (failed) return { kind: 'failed', at: failed.createdAt, error: str(asPayload(failed.payload).error) ?? 'unknown error' };
  const cancelled = last('tool.cancelled');
  if (cancelled) return { kind: 'cancelled', at: cancelled.createdAt };
  const succeeded = last('tool.succeeded');
  if (succeeded) return { kind: 'succeeded', at: succeeded.createdAt };
  const started = last('tool.started');
  if (started) return { kind: 'running', at: started.createdAt };
  // Approved, yet finished without running: the re-check before running refused it.
  if (completed && (status.kind === 'approved' || status.kind === 'expired')) {
    const outcome = asPayload(completed.payload);
    if (outcome.status !== 'executed' && outcome.status !== 'expired') {
      return { kind: 'not_run', reason: str(outcome.reason) ?? str(outcome.error) ?? String(outcome.status) };
    }
  }
  return { kind: 'not_started' };
}
