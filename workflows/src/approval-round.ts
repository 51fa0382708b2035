import type {
  ActionOutcome,
  ApprovalDecision,
  ApprovalRequirement,
  BudgetImpactView,
  Classification,
  DecideResult,
  EligibleApprover,
  RecordedDecision,
  RoundSettlement,
} from '@airlock/core';
import { timeoutReason } from '@airlock/core/workflow';
import type { Activities, EditReview } from '@airlock/activities';
import { RoundClosedError, tallyDecisions, validateDecision, type ApprovalTally } from './decision-rules.js';

/**
 * The approval as a pure state machine: `reduceApproval(state, event)` returns
 * the next state and the effects (writes) the workflow must perform. No Temporal
 * here: `approval.ts` turns updates, timers and activity results into events and
 * performs the effects in order, so every rule of a round is testable on its own.
 */

/** The arguments the tool will run with: the agent's, or an approver's edit of them. */
export interface EffectiveArgs {
  args: Record<string, unknown>;
  argsHash: string;
  /** Who holds the budget reservation (a new holder after an edit re-reserves). */
  budgetHolder: string;
  budgetReserved: boolean;
}

export type Verdict = { kind: 'approved'; effective: EffectiveArgs } | { kind: 'closed'; outcome: ActionOutcome };

export interface Approvers {
  eligible: readonly EligibleApprover[];
  /** People who would qualify but may not decide (requester, agent owner), and why. */
  excluded: readonly { id: string; reason: string }[];
}

interface PendingEdit {
  effective: EffectiveArgs;
  classification: Classification;
  budgetImpacts: BudgetImpactView[];
  editor: RecordedDecision;
}

export interface Round extends Approvers {
  number: number;
  approvalId: string;
  requirement: ApprovalRequirement;
  argsHash: string;
  deadline: string | null;
  escalationLevel: number;
  /** Decisions listed so far (listed when accepted, so a concurrent duplicate is refused). */
  decisions: readonly RecordedDecision[];
  tally: ApprovalTally;
  accepting: boolean;
  /** An approver's edit under review: no other decision is taken meanwhile. */
  editUnderReview?: { decision: RecordedDecision; editedArgs: Record<string, unknown> };
  /** A reviewed edit, recorded or being recorded; it ends the round once recorded. */
  reviewedEdit?: PendingEdit;
  pendingEdit?: PendingEdit;
  /**
   * Approvers dropped from `eligible` undecided: they lost standing (`approvers_narrowed` at the deadline, or an
   * escalation step that resolved the approvers again without them).
   */
  lostStanding?: readonly string[];
}

/** Where the action's money is held: what completion settles, whatever the outcome. */
export type BudgetHold = Pick<EffectiveArgs, 'budgetHolder' | 'budgetReserved'>;

export interface ApprovalState {
  actionId: string;
  /**
   * Moves as soon as an edit's review re-reserved (the earlier holder is released
   * then), before the edited arguments take over at the round's end: a round that
   * then expires, is denied or cancelled still releases the edit's reservation.
   */
  budget: BudgetHold;
  /** The arguments the next (or current) round decides on. */
  effective: EffectiveArgs;
  requirement: ApprovalRequirement;
  budgetImpacts: BudgetImpactView[];
  /** The editor's approval, counted in the next round if the editor may decide it. */
  carried?: RecordedDecision;
  round?: Round;
  /** The re-classification of the latest edit, shown as the action's classification. */
  reclassified?: Classification;
  /** Set once the approval is over. */
  verdict?: Verdict;
}

export type ApprovalEvent =
  | { type: 'round_opened'; number: number; approvalId: string; deadline: string | null; approvers: Approvers }
  /** A decision that passed `checkDecision` (the update validator). */
  | { type: 'decision_received'; decision: ApprovalDecision; decidedAt: string }
  /** The decision listed in round `round` is stored (that round may have closed meanwhile). */
  | { type: 'decision_recorded'; round: number }
  | { type: 'edit_reviewed'; review: EditReview }
  | { type: 'edit_recorded' }
  /** Reviewing or recording the edit failed: the round takes decisions again (an editor already listed stays listed). */
  | { type: 'edit_abandoned' }
  /**
   * An escalation step resolved the round's approvers again. `recount` (ESCALATION_RECOUNTS_PATCH): those who decided
   * stay, those dropped undecided lost standing, and the quorum is recounted; histories from before took the list as it came.
   */
  | { type: 'escalated'; level: number; approvers: Approvers; recount: boolean }
  /**
   * At a deadline that times the round out: `standing` are the round's approvers who may still decide it now. The
   * others stop counting as a vote still to come (their recorded decisions stand); never widens the round.
   */
  | { type: 'approvers_narrowed'; standing: readonly string[] }
  | { type: 'wait_ended'; how: 'decided' | 'timed_out' };

/** What `recordDecision` writes (the action id aside): decision, round, and an editor's arguments or a remembered grant. */
type DecisionWrite = Omit<Parameters<Activities['recordDecision']>[0], 'actionId'>;

export type ApprovalEffect =
  | ({
      type: 'record_decision';
      /** The editor's approval carried into a new round (written by the workflow itself, not a `decide` update). */
      carried?: true;
    } & DecisionWrite)
  | {
      type: 'review_edit';
      round: number;
      approverId: string;
      editedArgs: Record<string, unknown>;
      previousBudgetHolder: string;
      /** The arguments the approver was shown (unredacted): what the edit's kept redacted values stand for. */
      baseArgs: Record<string, unknown>;
    }
  | { type: 'close_round'; approvalId: string; round: number; closure: 'approved' | 'denied' | 'expired'; reason: string };

export interface Transition {
  state: ApprovalState;
  effects: ApprovalEffect[];
}

export function startApproval(actionId: string, requirement: ApprovalRequirement, budgetImpacts: BudgetImpactView[], effective: EffectiveArgs): ApprovalState {
  return { actionId, requirement, budgetImpacts, effective, budget: { budgetHolder: effective.budgetHolder, budgetReserved: effective.budgetReserved } };
}

// The deadline of a round opened at a given time: one rule for the workflow and admission (which opens round 1).
export { roundDeadline } from '@airlock/core/workflow';

export interface EscalationPoint {
  at: number;
  level: number;
  to: string;
}

/** When a round widens its approvers, and what happens at its deadline. */
export interface RoundSchedule {
  /** Escalations before the deadline, in order. */
  escalations: EscalationPoint[];
  /** null: no deadline, the round waits until decided. */
  deadline: { at: number; then: 'time_out' | EscalationPoint } | null;
}

/** Admins join when a round escalates at its deadline. */
export const ADMINS = 'role:admin';

/**
 * The escalation chain up to the deadline (steps at or after it never happen);
 * at the deadline the round times out, or with `escalate` admins join and it waits on.
 */
export function roundSchedule(requirement: ApprovalRequirement, openedAtMs: number, deadline: string | null): RoundSchedule {
  const deadlineMs = deadline ? Date.parse(deadline) : undefined;
  const escalations: EscalationPoint[] = [];
  for (const [index, step] of requirement.escalation.entries()) {
    const at = openedAtMs + step.afterMs;
    if (deadlineMs !== undefined && at >= deadlineMs) break;
    escalations.push({ at, level: index + 1, to: step.to });
  }
  if (deadlineMs === undefined) return { escalations, deadline: null };
  const then = requirement.timeoutOutcome === 'escalate' ? { at: deadlineMs, level: requirement.escalation.length + 1, to: ADMINS } : ('time_out' as const);
  return { escalations, deadline: { at: deadlineMs, then } };
}

/**
 * The round's deadline has passed (at `nowMs`, workflow time) and the round times out there: a
 * decision is refused from that instant, whether or not the deadline's timer has been handled
 * yet. The timer and a decision can reach the workflow in one task, the decision first; a worker
 * that died after writing the timed-out closing (and the expired outcome) loses that task, and
 * its retry holds the decision too: taken, it turned the round the database shows timed out into
 * an approved one that ran. A round that escalates at its deadline keeps taking decisions.
 */
export function deadlinePassed(state: ApprovalState, nowMs: number): boolean {
  const round = state.round;
  if (!round?.accepting || round.deadline === null || round.requirement.timeoutOutcome === 'escalate') return false;
  return nowMs >= Date.parse(round.deadline);
}

/** The round ends when its tally is settled or an approver's edit supersedes it. */
export function roundEnded(state: ApprovalState): boolean {
  const round = state.round;
  return round !== undefined && (round.tally !== 'open' || round.pendingEdit !== undefined);
}

/**
 * The `decide` validator: throws the reason a decision is refused. It runs before
 * a decision enters history, so a refusal reaches the caller at once and leaves no trace.
 */
export function checkDecision(state: ApprovalState, decision: ApprovalDecision): void {
  const round = state.round;
  if (!round) throw new RoundClosedError('the action is not awaiting a decision');
  // Decisions listed but still being written can settle the round: one more (an edit above all) would be
  // taken after the fact, and an edit reviewed then would rewrite the stored arguments while the agent's ones run.
  if (round.accepting && tallyDecisions(settlingDecisions(round), round.requirement, round.eligible.length) !== 'open') {
    throw new RoundClosedError('the approval is already decided');
  }
  validateDecision(decision, { ...round, editInProgress: round.editUnderReview !== undefined });
}

/**
 * The listed decisions that can still settle the round: an editor's approval counts only while its edit is being
 * recorded or waits to end the round. One whose edit was abandoned (its review or recording failed) stays listed,
 * so its editor does not decide twice, but settles nothing: counted, it refused every other decision for good.
 */
function settlingDecisions(round: Round): readonly RecordedDecision[] {
  if (round.reviewedEdit || round.pendingEdit) return round.decisions;
  return round.decisions.filter((d) => d.editedArgsHash === undefined);
}

/**
 * How the decisions listed in the latest round settle it, and whose they are; undefined while
 * they leave it open. Listed decisions count here before their write lands, so a refusal can say
 * who closed the round while its closing write is still in flight.
 */
export function roundSettlement(state: ApprovalState): RoundSettlement | undefined {
  const round = state.round;
  if (!round) return undefined;
  // A closed round keeps the tally it closed on: a decision listed as it timed out did not count.
  const closure = round.accepting ? tallyDecisions(settlingDecisions(round), round.requirement, round.eligible.length) : round.tally;
  if (closure === 'open') return undefined;
  const kind = closure === 'approved' ? 'approve' : 'deny';
  return { closure, by: round.decisions.filter((d) => d.decision === kind).map((d) => d.approverId) };
}

/** What `decide` answers for a decision listed in `listedIn`, once it is recorded. */
export function replyToDecision(state: ApprovalState, listedIn: Round): DecideResult {
  const round = state.round?.number === listedIn.number ? state.round : listedIn;
  return decideReply(round, tallyDecisions(round.decisions, round.requirement, round.eligible.length));
}

/** What `decide` answers with a given status. */
export function decideReply(round: Round, status: ApprovalTally): DecideResult {
  return {
    accepted: true,
    approvalsSoFar: round.decisions.filter((d) => d.decision === 'approve').length,
    requiredApprovals: round.requirement.requiredApprovals,
    approvalStatus: status,
  };
}

export function reduceApproval(state: ApprovalState, event: ApprovalEvent): Transition {
  if (event.type === 'round_opened') return openRound(state, event);
  const round = state.round;
  if (!round) throw new Error(`${event.type} before any round opened`);
  const next = (changes: Partial<Round>, effects: ApprovalEffect[] = []): Transition => ({ state: { ...state, round: { ...round, ...changes } }, effects });
  const ref = { approvalId: round.approvalId, round: round.number, argsHash: round.argsHash };

  switch (event.type) {
    case 'decision_received': {
      const { decision } = event;
      const recorded: RecordedDecision = {
        approverId: decision.approverId,
        decision: decision.decision,
        channel: decision.channel,
        ...(decision.comment ? { comment: decision.comment } : {}),
        ...(decision.feedback ? { feedback: decision.feedback } : {}),
        round: round.number,
        decidedAt: event.decidedAt,
      };
      if (decision.editedArgs) {
        const review: ApprovalEffect = {
          type: 'review_edit',
          round: round.number,
          approverId: decision.approverId,
          editedArgs: decision.editedArgs,
          previousBudgetHolder: state.budget.budgetHolder,
          baseArgs: state.effective.args,
        };
        return next({ editUnderReview: { decision: recorded, editedArgs: decision.editedArgs } }, [review]);
      }
      // Listed at once so a concurrent duplicate fails the validator; counted once stored
      // (decision_recorded), so the round never closes before the decision is recorded.
      const record: ApprovalEffect = { type: 'record_decision', ...ref, decision: recorded, ...(decision.standingApproval ? { standingApproval: decision.standingApproval } : {}) };
      return next({ decisions: [...round.decisions, recorded] }, [record]);
    }
    case 'decision_recorded':
      // A round that ended while the decision was being written is settled: the decision no longer counts, and a
      // closed round keeps the tally it closed on (only the validator's refusals read it then, and they never replay).
      if (event.round !== round.number || !round.accepting) return { state, effects: [] };
      return next({ tally: tallyDecisions(round.decisions, round.requirement, round.eligible.length) });
    case 'edit_reviewed': {
      const edit = round.editUnderReview;
      if (!edit) throw new Error('edit_reviewed without an edit under review');
      const { review } = event;
      if (!review.ok) return next({ editUnderReview: undefined });
      const editor: RecordedDecision = { ...edit.decision, editedArgsHash: review.argsHash };
      const reviewedEdit: PendingEdit = {
        // What runs: the edit with its kept redacted values put back (histories from before: the edit as sent).
        effective: { args: review.args ?? edit.editedArgs, argsHash: review.argsHash, budgetHolder: review.budgetHolder, budgetReserved: review.budgetReserved },
        classification: review.classification,
        budgetImpacts: review.budgetImpacts,
        editor,
      };
      const moved = next({ decisions: [...round.decisions, editor], reviewedEdit }, [{ type: 'record_decision', ...ref, decision: editor, editedArgs: review.redactedArgs }]);
      return { ...moved, state: { ...moved.state, budget: { budgetHolder: review.budgetHolder, budgetReserved: review.budgetReserved } } };
    }
    case 'edit_recorded': {
      if (!round.reviewedEdit) throw new Error('edit_recorded without a reviewed edit');
      return next({ pendingEdit: round.reviewedEdit, reviewedEdit: undefined, editUnderReview: undefined });
    }
    case 'edit_abandoned':
      return next({ editUnderReview: undefined, reviewedEdit: undefined });
    case 'escalated':
      if (event.recount) return escalateApprovers(state, round, event);
      return next({ eligible: event.approvers.eligible, excluded: event.approvers.excluded, escalationLevel: event.level });
    case 'approvers_narrowed':
      return narrowApprovers(state, round, event.standing);
    case 'wait_ended':
      return closeRound(state, { ...round, accepting: false }, event.how);
  }
}

function openRound(state: ApprovalState, event: Extract<ApprovalEvent, { type: 'round_opened' }>): Transition {
  let round: Round = {
    number: event.number,
    approvalId: event.approvalId,
    requirement: state.requirement,
    argsHash: state.effective.argsHash,
    deadline: event.deadline,
    escalationLevel: 0,
    eligible: event.approvers.eligible,
    excluded: event.approvers.excluded,
    decisions: [],
    tally: 'open',
    accepting: true,
  };
  const { carried, ...rest } = state;
  const effects: ApprovalEffect[] = [];
  // The editor approved the edited arguments: that approval counts, if the editor may decide the new round.
  if (carried && round.eligible.some((a) => a.id === carried.approverId)) {
    const { editedArgsHash: _edited, ...decision } = carried;
    const approval: RecordedDecision = { ...decision, round: round.number, comment: 'approved the edited arguments' };
    const decisions = [approval];
    round = { ...round, decisions, tally: tallyDecisions(decisions, round.requirement, round.eligible.length) };
    effects.push({ type: 'record_decision', approvalId: round.approvalId, round: round.number, argsHash: round.argsHash, decision: approval, carried: true });
  }
  return { state: { ...rest, round, verdict: undefined }, effects };
}

/**
 * Keeps as approvers of the round those still standing and those who already decided (a recorded decision
 * stands), and recounts: fewer approvers can only put the quorum out of reach, so the round is denied or stays
 * as it was (approvals are counted once recorded, never here).
 */
function narrowApprovers(state: ApprovalState, round: Round, standing: readonly string[]): Transition {
  if (!round.accepting) return { state, effects: [] };
  const keep = new Set([...standing, ...round.decisions.map((d) => d.approverId)]);
  const eligible = round.eligible.filter((a) => keep.has(a.id));
  const lost = round.eligible.filter((a) => !keep.has(a.id)).map((a) => a.id);
  if (lost.length === 0) return { state, effects: [] };
  const recount = tallyDecisions(round.decisions, round.requirement, eligible.length);
  const narrowed: Round = { ...round, eligible, lostStanding: [...(round.lostStanding ?? []), ...lost], tally: recount === 'denied' ? 'denied' : round.tally };
  return { state: { ...state, round: narrowed }, effects: [] };
}

/**
 * The approvers an escalation step resolved, keeping those who already decided (their decision stands, and the tally
 * counts deciders among the approvers: dropped, a later deny ended a round whose quorum was still in reach). Those it
 * dropped undecided lost standing, and the quorum is recounted as at a deadline (narrowApprovers): fewer approvers can
 * only put it out of reach, so an open round is denied or stays open.
 */
function escalateApprovers(state: ApprovalState, round: Round, event: Extract<ApprovalEvent, { type: 'escalated' }>): Transition {
  const resolved = new Set(event.approvers.eligible.map((a) => a.id));
  const decided = new Set([...round.decisions.map((d) => d.approverId), ...(round.editUnderReview ? [round.editUnderReview.decision.approverId] : [])]);
  const eligible = [...event.approvers.eligible, ...round.eligible.filter((a) => decided.has(a.id) && !resolved.has(a.id))];
  const dropped = round.eligible.filter((a) => !decided.has(a.id) && !resolved.has(a.id)).map((a) => a.id);
  // Someone who lost standing at an earlier step and has it again (re-enabled) is an approver again.
  const lostStanding = [...(round.lostStanding ?? []).filter((id) => !resolved.has(id)), ...dropped];
  const recount = round.accepting && round.tally === 'open' ? tallyDecisions(round.decisions, round.requirement, eligible.length) : round.tally;
  const escalated: Round = {
    ...round,
    eligible,
    excluded: event.approvers.excluded,
    escalationLevel: event.level,
    lostStanding: lostStanding.length > 0 ? lostStanding : undefined,
    tally: recount === 'denied' ? 'denied' : round.tally,
  };
  return { state: { ...state, round: escalated }, effects: [] };
}

/** Ends the round: how it closes (audited first), and the verdict or the next round's starting point. */
function closeRound(state: ApprovalState, round: Round, how: 'decided' | 'timed_out'): Transition {
  const { actionId } = state;
  const close = (closure: 'approved' | 'denied' | 'expired', reason: string): ApprovalEffect[] => [
    { type: 'close_round', approvalId: round.approvalId, round: round.number, closure, reason },
  ];
  const closed = { ...state, round };

  const edit = round.pendingEdit;
  if (edit) {
    const effects = close('approved', `${edit.editor.approverId} approved edited arguments; re-classified as ${edit.classification.decision} (${edit.classification.tier})`);
    const moved: ApprovalState = { ...closed, effective: edit.effective, budgetImpacts: edit.budgetImpacts, reclassified: edit.classification };
    const { classification } = edit;
    if (classification.decision === 'deny') {
      // The outcome's deniedBy already says "policy": the reason says what was judged, once.
      const reason = `the arguments as edited by ${edit.editor.approverId}: ${classification.reasons.join('; ')}`;
      return { state: { ...moved, verdict: { kind: 'closed', outcome: { status: 'denied', actionId, reason, deniedBy: 'policy' } } }, effects };
    }
    if (classification.decision === 'allow') return { state: { ...moved, verdict: { kind: 'approved', effective: edit.effective } }, effects };
    // Still risky: a new round on the new arguments, with the editor's approval carried into it.
    return { state: { ...moved, requirement: classification.approval, carried: edit.editor }, effects };
  }
  if (how === 'timed_out') {
    const outcome = round.requirement.timeoutOutcome;
    const effects = close('expired', timeoutReason(round.deadline ?? 'the deadline', outcome));
    if (outcome === 'approve') return { state: { ...closed, verdict: { kind: 'approved', effective: state.effective } }, effects };
    const reason = `no decision before the deadline (${round.deadline}); the request was not run`;
    return { state: { ...closed, verdict: { kind: 'closed', outcome: { status: 'expired', actionId, reason } } }, effects };
  }
  if (round.tally === 'denied') {
    const denial = round.decisions.find((d) => d.decision === 'deny');
    if (!denial) throw new Error('a denied round without a deny');
    const lost = round.lostStanding ?? [];
    // Denied because people who lost standing no longer count as votes still to come: the reason says so.
    const closeReason =
      lost.length > 0
        ? `denied by ${denial.approverId}: the approvers still standing cannot reach ${round.requirement.requiredApprovals} approvals (${lost.join(', ')} may no longer decide)`
        : `denied by ${denial.approverId}`;
    const outcome: ActionOutcome = {
      status: 'denied',
      actionId,
      reason: denial.comment ?? closeReason,
      ...(denial.feedback ? { feedback: denial.feedback } : {}),
      deniedBy: denial.approverId,
    };
    return { state: { ...closed, verdict: { kind: 'closed', outcome } }, effects: close('denied', closeReason) };
  }
  const approvals = round.decisions.filter((d) => d.decision === 'approve').length;
  const effects = close('approved', `${approvals} of ${round.requirement.requiredApprovals} approvals`);
  return { state: { ...closed, verdict: { kind: 'approved', effective: state.effective } }, effects };
}
