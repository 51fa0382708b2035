import { isAuditEvent, parseAuditEvent, RiskTier, timeoutOutcomeOf, type AuditEventOf, type AuditEventType, type BudgetImpactView, type ParsedAuditEvent } from '@airlock/core';
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

export interface EventRow {
  event: ParsedAuditEvent;
  createdAt: Date;
}

/** A row known to be of one catalogued type. */
interface RowOf<T extends AuditEventType> extends EventRow {
  event: ParsedAuditEvent & AuditEventOf<T>;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const tierOf = (value: string | undefined): RiskTier | null => RiskTier.safeParse(value).data ?? null;

/** The rows of one type, in log order; rows the catalogue does not describe are skipped. */
function rowsOf<T extends AuditEventType>(events: readonly EventRow[], type: T): RowOf<T>[] {
  return events.filter((e): e is RowOf<T> => isAuditEvent(e.event, type));
}

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
  const rows = await db.prisma.auditEvent.findMany({
    where: { actionId },
    orderBy: { seq: 'asc' },
    select: { type: true, payload: true, createdAt: true },
  });
  const events: EventRow[] = rows.map((r) => ({ event: parseAuditEvent(r.type, r.payload), createdAt: r.createdAt }));
  const payloads = <T extends AuditEventType>(type: T) => rowsOf(events, type).map((r) => r.event.payload);
  const closingOf = (approvalId: string) => CLOSING_TYPES.flatMap((type) => rowsOf(events, type)).find((r) => r.event.payload.approvalId === approvalId);

  const deciderIds = new Set(payloads('approval.decision').map((p) => p.approverId));
  const names = new Map((await db.prisma.user.findMany({ where: { id: { in: [...deciderIds] } }, select: { id: true, name: true } })).map((u) => [u.id, u.name]));

  const requested = payloads('action.requested')[0];
  const classified = payloads('action.classified')[0];
  const completed = payloads('action.completed')[0];
  const lastRound = action.approvals.at(-1)!.round;

  const rounds = action.approvals.map((approval): RoundView => {
    // The arguments and classification this round decides on: the request's, or the edit that opened it.
    const edit = payloads('approval.edit_classified')
      .filter((p) => p.argsHash === approval.argsHash)
      .at(-1);
    const args = (edit ? edit.editedArgs : requested?.args) ?? {};
    const tier = tierOf(edit ? edit.tier : classified?.tier) ?? action.riskTier;
    const reasons = (edit ? edit.reasons : classified?.reasons) ?? [];

    const opened = payloads('approval.opened').find((p) => p.round === approval.round);
    const escalations = payloads('approval.escalated').filter((p) => p.approvalId === approval.id);
    const lastEscalation = escalations.at(-1);
    const eligibleApprovers = (lastEscalation ?? opened)?.eligibleApprovers ?? [];

    const decisions: DecisionLine[] = payloads('approval.decision')
      .filter((p) => p.approvalId === approval.id && p.round === approval.round)
      .map((p) => ({
        approverId: p.approverId,
        approverName: names.get(p.approverId) ?? p.approverId,
        decision: p.decision,
        ...(p.comment ? { comment: p.comment } : {}),
        edited: p.editedArgsHash !== undefined,
        decidedAt: new Date(p.decidedAt),
      }));

    const status = roundStatus(closingOf(approval.id), approval, approval.round < lastRound);
    const execution: ExecutionState = approval.round === lastRound ? executionState(events, status, completed) : { kind: 'not_started' };

    return {
      eligibleApprovers,
      escalatedTo: escalations.map((p) => p.to),
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
        escalation: lastEscalation ? { level: lastEscalation.level, to: lastEscalation.to } : null,
        decisions,
        status,
        execution,
        consoleUrl,
      },
    };
  });
  return { actionId, team: action.agent.team, rounds };
}

/** The audit types that close a round. */
const CLOSING_TYPES = ['approval.approved', 'approval.denied', 'approval.timed_out', 'approval.cancelled'] as const satisfies readonly AuditEventType[];
type ClosingType = (typeof CLOSING_TYPES)[number];

export function roundStatus(closing: RowOf<ClosingType> | undefined, approval: { status: string; closedAt: Date | null }, superseded: boolean): RoundStatus {
  const at = closing?.createdAt ?? approval.closedAt ?? new Date();
  const reason = closing?.event.payload.reason ?? '';
  const kind = closing ? closing.event.type.slice('approval.'.length) : approval.status;
  switch (kind) {
    case 'approved':
      return superseded ? { kind: 'superseded', at, reason: reason || 'an approver edited the arguments; a new round decides them' } : { kind: 'approved', at };
    case 'denied':
      return { kind: 'denied', at };
    case 'timed_out':
    case 'expired':
      // An approve-on-timeout round closes as `approval.timed_out` too, yet the action goes on (its reason names the outcome).
      return timeoutOutcomeOf(reason) === 'approve' ? { kind: 'approved', at, byTimeoutRule: true } : { kind: 'expired', at };
    case 'cancelled':
      return { kind: 'cancelled', at, reason: reason || 'cancelled' };
    default:
      return { kind: 'open' };
  }
}

/**
 * What became of the run once the round was approved. A worker's run writes `tool.started` and a `tool.*` end; a
 * gate-only action's run is the agent's: a runner of the agent claims it (`action.authorization_claimed`) before
 * starting the tool, and the agent reports how it went (`tool.reported`). Only an outcome with neither a start, a
 * claim nor a report says the tool did not run.
 */
export function executionState(events: readonly EventRow[], status: RoundStatus, completed: AuditEventOf<'action.completed'>['payload'] | undefined): ExecutionState {
  const last = <T extends AuditEventType>(type: T) => rowsOf(events, type).at(-1);
  const failed = last('tool.failed');
  if (failed) return { kind: 'failed', at: failed.createdAt, error: failed.event.payload.error };
  const cancelled = last('tool.cancelled');
  if (cancelled) return { kind: 'cancelled', at: cancelled.createdAt };
  const succeeded = last('tool.succeeded');
  if (succeeded) return { kind: 'succeeded', at: succeeded.createdAt };
  const reported = last('tool.reported');
  if (reported) {
    const { payload } = reported.event;
    // The workflow records a failure reported without an error as "failed" (agent-run.ts recordReport).
    return payload.status === 'failed'
      ? { kind: 'failed', at: reported.createdAt, error: payload.error ?? 'failed', reported: true }
      : { kind: 'succeeded', at: reported.createdAt, reported: true };
  }
  const ended = last('action.completed');
  const started = last('tool.started');
  if (started) {
    // A worker killed mid-run writes no tool.* end; the action's outcome (the kill switch's cancel, a failure) still says.
    if (ended?.event.payload.status === 'cancelled') return { kind: 'cancelled', at: ended.createdAt };
    if (ended?.event.payload.status === 'failed') return { kind: 'failed', at: ended.createdAt, error: ended.event.payload.error };
    if (ended?.event.payload.status === 'executed') return { kind: 'succeeded', at: ended.createdAt };
    return { kind: 'running', at: started.createdAt };
  }
  const claimed = last('action.authorization_claimed');
  if (claimed) {
    if (!ended) return { kind: 'running', at: claimed.createdAt, claimed: true };
    const outcome = ended.event.payload;
    if (outcome.status === 'failed') return { kind: 'failed', at: ended.createdAt, error: outcome.error };
    if (outcome.status === 'executed') return { kind: 'succeeded', at: ended.createdAt };
    // Ended unreported (the authorization expired, or a kill switch revoked it): the runner may have run the tool.
    return { kind: 'may_have_run', at: ended.createdAt, claimedAt: claimed.createdAt, reason: outcome.reason };
  }
  // Approved, yet finished with no start, claim or report: the re-check refused it, a kill switch ended it, or the agent
  // never used its authorization. An expired round's own `expired` outcome is the timeout the headline already says.
  if (completed && completed.status !== 'executed' && (status.kind === 'approved' || (status.kind === 'expired' && completed.status !== 'expired'))) {
    return { kind: 'not_run', reason: completed.status === 'failed' ? completed.error : completed.reason };
  }
  return { kind: 'not_started' };
}
