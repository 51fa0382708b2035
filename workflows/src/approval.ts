import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, patched, setHandler } from '@temporalio/workflow';
import type { ActionStatusView, ApprovalDecision, BudgetImpactView, Classification, DecideResult, GuardedActionInput } from '@airlock/core';
import { DECISION_CLOSED_FAILURE, decideUpdate } from '@airlock/core/workflow';
import type { Activities, DecisionRecord, OpenedApproval, OpenedRound, RoundClosure, SettledRound } from '@airlock/activities';
import { bookkeeping, recorder } from './activities.js';
import {
  checkDecision,
  deadlinePassed,
  decideReply,
  reduceApproval,
  replyToDecision,
  roundDeadline,
  roundEnded,
  roundSchedule,
  roundSettlement,
  startApproval,
  type ApprovalEffect,
  type ApprovalEvent,
  type ApprovalState,
  type EffectiveArgs,
  type EscalationPoint,
  type Round,
  type Verdict,
} from './approval-round.js';
import { RoundClosedError, tallyDecisions } from './decision-rules.js';
import {
  DECISION_AFTER_ACCEPT_PATCH,
  EDIT_REVIEW_BEFORE_TIMEOUT_PATCH,
  ESCALATION_RECOUNTS_PATCH,
  LOST_STANDING_BEFORE_TIMEOUT_PATCH,
  ROUND_OPENING_OUTLIVES_CANCEL_PATCH,
  WRITES_BEFORE_TIMEOUT_PATCH,
  type ApprovalPathPatches,
} from './patches.js';

export type { EffectiveArgs, Verdict } from './approval-round.js';

/** The round's approvers who have not decided it. */
const undecided = (round: Round): string[] => round.eligible.filter((a) => !round.decisions.some((d) => d.approverId === a.id)).map((a) => a.id);

/**
 * Decisions Temporal accepted that no activity wrote yet, and their round's closing
 * once it closed: the run writes them, or `recordSettled` if it never runs. Held
 * from the moment the update is accepted, so a cancellation at any await finds them.
 */
export interface SettledHold {
  effective: EffectiveArgs;
  unwritten?: { decisions: DecisionRecord[]; close?: RoundClosure };
}

/** What the run is handed to write first: the decisions and the round they closed. */
export function settledRound(hold: SettledHold): SettledRound | undefined {
  const unwritten = hold.unwritten;
  return unwritten?.close ? { decisions: unwritten.decisions, close: unwritten.close } : undefined;
}

export interface ApprovalOptions {
  /** This workflow's answers to the approval path's patches. */
  patches: ApprovalPathPatches;
  /** Whether an approval that settles the round may be left to the run (asked only when one does). */
  runRecordsDecision?: (() => boolean) | undefined;
  /** Round 1 as admission opened it (approval row, status and audit row in its commit): not opened again. */
  firstRound?: OpenedRound;
}

/** Writes what a settled round left to its run, when the run did not (or may not have): idempotent. */
export async function recordSettled(hold: SettledHold): Promise<void> {
  const unwritten = hold.unwritten;
  if (!unwritten) return;
  for (const decision of unwritten.decisions) await bookkeeping.recordDecision(decision);
  if (unwritten.close) await bookkeeping.closeApproval(unwritten.close);
  hold.unwritten = undefined;
}

type Writer<K extends 'recordDecision' | 'reviewEdit'> = (...args: Parameters<Activities[K]>) => ReturnType<Activities[K]>;
interface DecisionWriters {
  recordDecision: Writer<'recordDecision'>;
  reviewEdit: Writer<'reviewEdit'>;
}

/**
 * Decisions (and edit reviews) are written by a normal activity after Temporal accepted
 * the update; histories from before keep replaying the local-activity path.
 */
function decisionWriters(patches: ApprovalPathPatches): DecisionWriters {
  if (!patches.has(DECISION_AFTER_ACCEPT_PATCH)) return { recordDecision: (input) => bookkeeping.recordDecision(input), reviewEdit: (input) => bookkeeping.reviewEdit(input) };
  // Not cancellable: a kill switch arriving meanwhile must not turn a recorded decision into a failed update.
  return {
    recordDecision: (input) => CancellationScope.nonCancellable(() => recorder.recordDecision(input)),
    reviewEdit: (input) => CancellationScope.nonCancellable(() => recorder.reviewEdit(input)),
  };
}

/**
 * Waits for humans, round by round (rules in approval-round.ts). This function only
 * wires Temporal to the state machine: the `decide` update, the deadline and
 * escalation timers, and the activities that perform its effects, in order.
 */
export async function awaitApproval(
  input: GuardedActionInput,
  initial: Extract<Classification, { decision: 'require_approval' }>,
  initialImpacts: BudgetImpactView[],
  view: ActionStatusView,
  hold: SettledHold,
  options: ApprovalOptions,
): Promise<Verdict> {
  const { actionId, request } = input;
  // The workflow's own scope: cancelled the moment Temporal delivers the action's cancellation.
  const workflowScope = CancellationScope.current();
  let state: ApprovalState = startApproval(actionId, initial.approval, initialImpacts, hold.effective);
  /** Decisions being written by their own activity: while any is, no later one is left to the run. */
  let writesInFlight = 0;

  /** Moves the machine (synchronously: no other handler runs in between) and returns what to perform. */
  const apply = (event: ApprovalEvent): ApprovalEffect[] => {
    const { state: next, effects } = reduceApproval(state, event);
    state = next;
    // Completion settles the reservation held now, also if the approval ends without running.
    hold.effective = { ...hold.effective, ...state.budget };
    if (view.approval && state.round && view.approval.approvalId === state.round.approvalId) {
      view.approval.decisions = [...state.round.decisions];
      view.approval.escalationLevel = state.round.escalationLevel;
    }
    return effects;
  };
  const currentRound = (): Round => {
    if (!state.round) throw new Error('no approval round is open');
    return state.round;
  };
  const recordWith = (write: Writer<'recordDecision'>, effect: ApprovalEffect) => {
    if (effect.type !== 'record_decision') throw new Error(`expected a decision to record, got ${effect.type}`);
    const { type: _type, round, carried: _carried, ...rest } = effect;
    return write({ actionId, round, ...rest });
  };
  /** A plain approval that settles the round with every earlier decision written: the run can write it. */
  const leaveToRun = (effect: ApprovalEffect | undefined, round: Round): effect is Extract<ApprovalEffect, { type: 'record_decision' }> =>
    effect?.type === 'record_decision' &&
    !effect.standingApproval &&
    !effect.editedArgs &&
    writesInFlight === 0 &&
    !round.reviewedEdit &&
    !round.pendingEdit &&
    tallyDecisions(round.decisions, round.requirement, round.eligible.length) === 'approved' &&
    (options.runRecordsDecision?.() ?? false);

  /** The open round in the status query; from here the `decide` validator accepts decisions for it. */
  const showRound = () => {
    const round = currentRound();
    view.argsHash = round.argsHash;
    view.budgetImpacts = state.budgetImpacts;
    view.approval = {
      approvalId: round.approvalId,
      round: round.number,
      requiredApprovals: round.requirement.requiredApprovals,
      approverRole: round.requirement.approverRole,
      ...(round.requirement.approverGroup ? { approverGroup: round.requirement.approverGroup } : {}),
      deadline: round.deadline,
      escalationLevel: 0,
      decisions: [...round.decisions],
    };
    view.phase = 'awaiting_approval';
  };

  const first = options.firstRound;
  if (first) {
    // Admission opened round 1 in its commit, so a person may already be deciding it: the round is
    // open before the handler is set, or a decision buffered until then would be refused.
    const carried = apply({
      type: 'round_opened',
      number: 1,
      approvalId: first.approvalId,
      deadline: first.deadline,
      approvers: { eligible: first.eligibleApprovers, excluded: first.excluded },
    });
    if (carried.length > 0) throw new Error('round 1 carries no decision');
    showRound();
  }

  setHandler(
    decideUpdate,
    async (decision: ApprovalDecision): Promise<DecideResult> => {
      const writers = decisionWriters(options.patches);
      const [effect] = apply({ type: 'decision_received', decision, decidedAt: new Date().toISOString() });
      if (effect?.type === 'review_edit') return applyEdit(effect, writers);
      // A remembered grant travels with the decision: one activity, run only once Temporal accepted it, writes both.
      const listedIn = currentRound();
      if (leaveToRun(effect, listedIn)) {
        const { type: _type, carried: _carried, ...write } = effect;
        (hold.unwritten ??= { decisions: [] }).decisions.push({ actionId, ...write });
      } else {
        writesInFlight++;
        try {
          await recordWith(writers.recordDecision, effect!);
        } finally {
          writesInFlight--;
        }
      }
      apply({ type: 'decision_recorded', round: listedIn.number });
      return replyToDecision(state, listedIn);
    },
    {
      validator: (decision: ApprovalDecision) => {
        try {
          if (view.phase !== 'awaiting_approval') throw new RoundClosedError('the action is not awaiting a decision');
          // The cancellation closes the round as cancelled, its writes taking workflow tasks of their own: a decision taken
          // meanwhile was told its outcome and never written (one left to the run has no run to write it).
          if (workflowScope.consideredCancelled) throw new RoundClosedError('the action is being cancelled');
          // Validators run only when an update arrives (never on replay): refusing more here replays every history.
          if (deadlinePassed(state, Date.now())) throw new RoundClosedError(`the round's deadline (${state.round?.deadline}) has passed`);
          checkDecision(state, decision);
        } catch (error) {
          // Typed, so channels tell "already decided" from a refusal without reading the text.
          if (error instanceof RoundClosedError) {
            const settled = roundSettlement(state);
            throw ApplicationFailure.create({ type: DECISION_CLOSED_FAILURE, message: error.message, nonRetryable: true, details: settled ? [settled] : [] });
          }
          throw error;
        }
      },
    },
  );

  async function applyEdit(review: Extract<ApprovalEffect, { type: 'review_edit' }>, writers: DecisionWriters): Promise<DecideResult> {
    let settled = false;
    try {
      const { type: _type, ...request } = review;
      const reviewed = await writers.reviewEdit({ input, ...request });
      const [record] = apply({ type: 'edit_reviewed', review: reviewed });
      if (!reviewed.ok) {
        settled = true;
        throw ApplicationFailure.nonRetryable(`edit rejected: ${reviewed.reason}`, 'EditRejected');
      }
      await recordWith(writers.recordDecision, record!);
      apply({ type: 'edit_recorded' });
      settled = true;
      return decideReply(currentRound(), 'approved');
    } finally {
      if (!settled) apply({ type: 'edit_abandoned' });
    }
  }

  for (let number = 1; ; number++) {
    // Round 1 that admission opened is already shown (before the update handler existed).
    if (number > 1 || !options.firstRound) await openRoundThroughCancellation(number);
    const round = currentRound();

    const ended = await waitForRound(round);
    // From here no decision is accepted into this round.
    const closing = apply({ type: 'wait_ended', how: ended });
    view.phase = 'completing';
    for (const effect of closing) {
      if (effect.type !== 'close_round') throw new Error(`expected the round's closing, got ${effect.type}`);
      const { type: _type, ...close } = effect;
      if (hold.unwritten) {
        // Left to the run with the decisions (written here if the round did not end approved).
        hold.unwritten.close = { actionId, ...close };
        if (close.closure !== 'approved' || state.verdict?.kind !== 'approved') await recordSettled(hold);
        continue;
      }
      await bookkeeping.closeApproval({ actionId, ...close });
    }
    if (state.reclassified) {
      view.classification = state.reclassified;
      view.argsHash = state.effective.argsHash;
    }
    if (state.verdict) return state.verdict;
  }

  /**
   * Opens and shows a round where a cancellation arriving meanwhile cannot cut it short (ROUND_OPENING_OUTLIVES_CANCEL_PATCH):
   * `openApproval` writes the round open even when its local activity is cancelled, and a workflow that never learned
   * the round's id could not close it. The opening finishes, shown, and then the cancellation goes on to close it. With
   * no cancellation nothing changes: the steps are scheduled as ever (the scope a command runs in is not part of it).
   */
  async function openRoundThroughCancellation(number: number): Promise<void> {
    // Cancelled before the opening was even asked for: nothing is scheduled, as ever (refused in the cancelled scope).
    if (workflowScope.consideredCancelled) return openAndShowRound(number);
    let openingScope: CancellationScope | undefined;
    const opening = CancellationScope.nonCancellable(() => {
      openingScope = new CancellationScope();
      return openingScope.run(() => openAndShowRound(number));
    });
    const first = await Promise.race([opening.then(() => undefined), workflowScope.cancelRequested.catch((error: unknown) => ({ cancelled: error }))]);
    if (!first) return;
    if (!patched(ROUND_OPENING_OUTLIVES_CANCEL_PATCH)) {
      // Histories from before: the cancellation reached the opening's steps, as it does once passed on.
      openingScope!.cancel();
      return opening;
    }
    // The opening's own end is not the outcome (the cancellation is), nor a reason not to close what it opened.
    await opening.catch(() => undefined);
    throw first.cancelled;
  }

  /** Opens round `number`, writes the editor's approval carried into it, and shows it. */
  async function openAndShowRound(number: number): Promise<void> {
    const { opened, deadline } = await openRound(number);
    const carried = apply({
      type: 'round_opened',
      number,
      approvalId: opened.approvalId,
      deadline,
      approvers: { eligible: opened.eligibleApprovers, excluded: opened.excluded },
    });
    for (const effect of carried) await recordWith((write) => bookkeeping.recordDecision(write), effect);
    showRound();
  }

  /** Opens a round with the `openApproval` step: rounds after an edit, and round 1 of histories from before admission opened it. */
  async function openRound(number: number): Promise<{ opened: OpenedApproval; deadline: string | null }> {
    const deadline = roundDeadline(state.requirement, Date.now());
    const opened = await bookkeeping.openApproval({
      actionId,
      round: number,
      agentId: request.agentId,
      requestedBy: request.requestedBy,
      argsHash: state.effective.argsHash,
      requirement: state.requirement,
      deadline,
      budgetImpacts: state.budgetImpacts,
    });
    return { opened, deadline };
  }

  /**
   * Whether the round's timing out would run the tool although approvers who lost standing since it opened may be
   * all that keeps its quorum in reach: open, `timeout: approve`, a deny counted against a quorum (`denyEndsIt: false`),
   * and someone still to decide. Only then can fewer approvers change the outcome; the other timeout outcomes run nothing.
   */
  function mayLoseQuorum(): boolean {
    const round = state.round;
    if (!round?.accepting || round.tally !== 'open' || round.pendingEdit || round.requirement.denyEndsIt) return false;
    if (round.requirement.timeoutOutcome !== 'approve') return false;
    return round.decisions.some((d) => d.decision === 'deny') && undecided(round).length > 0;
  }

  /** Keeps in the round those of its approvers still standing now (and everyone who decided), recounting the quorum. */
  async function narrowToStanding(): Promise<void> {
    const round = currentRound();
    const approverIds = undecided(round);
    if (approverIds.length === 0) return;
    const standing = await bookkeeping.approversStillStanding({ actionId, approvalId: round.approvalId, approverIds });
    apply({ type: 'approvers_narrowed', standing });
  }

  /** Waits for the round to end, widening the approvers along the escalation chain. */
  async function waitForRound(round: Round): Promise<'decided' | 'timed_out'> {
    // New histories act on a round's end only once the decision that ended it was answered (ROUND_ENDS_AFTER_ANSWERS_PATCH):
    // the answer and the reaction no longer race within a task, whatever awaits interceptors add to the handler. Asked at
    // every wait, first (ADMISSION_IN_FIRST_TASK_V2_PATCH answers it for the workflow where admission ran in its first
    // task). Old histories wait on `ended` alone, with no await added anywhere (an await would move the race).
    const answersFirst = options.patches.roundEndsAfterAnswers();
    const ended = () => roundEnded(state);
    const settled = answersFirst ? () => ended() && allHandlersFinished() : ended;
    /** A timer that fired with the round already ended by a decision not yet answered: decided (new histories only). */
    const endedUnanswered = () => answersFirst && ended();
    /**
     * 'decided', once every decision is answered (new histories). A plain value when nothing is left to answer, as the
     * old code returned: no await, so old histories keep their order.
     */
    const decided = (): 'decided' | Promise<'decided'> => (answersFirst && !allHandlersFinished() ? condition(allHandlersFinished).then(() => 'decided' as const) : 'decided');
    const schedule = roundSchedule(round.requirement, Date.now(), round.deadline);
    const escalate = async ({ level, to }: EscalationPoint) => {
      // Asked before the step's activity (its timer just fired), never after a local activity's result.
      const recount = patched(ESCALATION_RECOUNTS_PATCH);
      const widened = await bookkeeping.escalateApproval({
        actionId,
        approvalId: round.approvalId,
        round: round.number,
        level,
        to,
        requirement: round.requirement,
        agentId: request.agentId,
        requestedBy: request.requestedBy,
      });
      apply({ type: 'escalated', level, approvers: { eligible: widened.eligibleApprovers, excluded: widened.excluded }, recount });
    };
    for (const step of schedule.escalations) {
      if ((await condition(settled, Math.max(1, step.at - Date.now()))) || endedUnanswered()) {
        return decided();
      }
      await escalate(step);
    }
    if (!schedule.deadline) {
      await condition(settled);
      return 'decided';
    }
    if ((await condition(settled, Math.max(1, schedule.deadline.at - Date.now()))) || endedUnanswered()) {
      return decided();
    }
    if (schedule.deadline.then === 'time_out') {
      // An edit taken before the deadline is still being reviewed: it settles the round first (no decision is taken meanwhile).
      // Asked at every such deadline, not only when an edit is under review: whether a review ending in the deadline's own
      // task ran first depends on the interceptors' awaits (tracing adds some), and a marker asked on one ordering only
      // fails the replay of the other.
      const reviewFirst = patched(EDIT_REVIEW_BEFORE_TIMEOUT_PATCH);
      // Approvers who lost standing since the round opened no longer count as votes still to come (asked at every such
      // deadline too, for the same reason).
      const recountFirst = patched(LOST_STANDING_BEFORE_TIMEOUT_PATCH);
      // Decisions accepted before the deadline and still being written count first: a deny in flight at an approve
      // timeout must not let the tool run (asked at every such deadline too, for the same reason).
      const writesFirst = patched(WRITES_BEFORE_TIMEOUT_PATCH);
      if (reviewFirst && state.round?.editUnderReview) {
        await condition(() => ended() || state.round?.editUnderReview === undefined);
        if (ended()) {
          return decided();
        }
      }
      // No decision is taken from the deadline on (the validator refuses it), so none starts being written meanwhile.
      if (writesFirst && writesInFlight > 0) {
        await condition(() => ended() || writesInFlight === 0);
        if (ended()) {
          return decided();
        }
      }
      if (recountFirst && mayLoseQuorum()) {
        // Decisions listed before the deadline count once recorded: a recorded approval may still settle the round.
        await condition(() => ended() || writesInFlight === 0);
        if (ended()) {
          return decided();
        }
        await narrowToStanding();
        if (ended()) {
          return decided();
        }
      }
      return 'timed_out';
    }
    // Escalate at the deadline: admins join and the wait continues without one.
    await escalate(schedule.deadline.then);
    await condition(settled);
    return 'decided';
  }
}
