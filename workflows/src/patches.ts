import { patched } from '@temporalio/workflow';

// The approval path's patches (each asked with patched() in histories from before APPROVAL_PATH_PATCHES).

/**
 * Admission opens round 1 in its own commit when the action waits for people: the
 * workflow waits on it instead of opening it with a local activity (one step, four
 * writes and their commits fewer per pending action). Asked only when admission
 * says it opened one; histories from before ran `openApproval` for round 1.
 */
export const ADMISSION_OPENS_ROUND_PATCH = 'admission-opens-first-round';

/**
 * A plain approval that settles its round as approved is not written by an activity
 * of its own: the update completes in the workflow task that accepts it, and the run
 * it lets start writes it (with the round's closing) as its first step. One workflow
 * task instead of two between a decision and the tool; the decision is still written
 * only after Temporal durably accepted it, and before the tool starts.
 */
export const DECISION_BY_RUN_PATCH = 'decision-recorded-by-run';

/**
 * Decisions (and edit reviews) are written by a normal activity after Temporal
 * accepted the update, not by a local activity inside the update's workflow task.
 * Histories from before keep replaying the local-activity path.
 */
export const DECISION_AFTER_ACCEPT_PATCH = 'decision-recorded-after-accept';

/** The tool run waits for a cancellation to take effect, so a run that finished is never reported cancelled. */
export const RUN_WAITS_FOR_CANCEL_PATCH = 'run-waits-for-cancellation';

/**
 * An approved run completes the action itself, settling the budget it holds in the
 * same commit. Histories from before ran a completion step after it when money was held.
 */
export const RUN_COMPLETES_ACTION_PATCH = 'run-completes-action';

/**
 * An approved run re-checks (kill switch, policy, budget) in the activity that claims
 * it, instead of a step of its own before it. Histories from before ran the step.
 */
export const RECHECK_AT_RUN_PATCH = 'recheck-at-run';

/**
 * Stands for every patch of the approval path below, in histories recorded since it:
 * asked once, where the first of them is asked (when admission opened round 1), and
 * then none of them is asked. Each `patched()` of a new workflow records a marker and
 * an upsert of the `TemporalChangeVersion` search attribute: five patches asked in the
 * task that accepts a decision were ten history events, and a few milliseconds, between
 * a decision and its tool. A history recorded before it has no marker of its own, so
 * each patch is asked there as before. A patch added later is asked on its own (or a
 * new patch like this one replaces this one, standing for it and the later ones).
 */
export const APPROVAL_PATH_PATCHES = 'approval-path-patches-v1';

/**
 * Admission runs as a local activity in the workflow's first task when the caller
 * expects the action to wait for people (`GuardedActionInput.expectsApproval`): the
 * workflow waits after one task, not after an activity and a second task. Stands for
 * every patch of APPROVAL_PATH_PATCHES too (a worker that knows it knows them), so a
 * pending action's first task records one marker, not two. Asked only when the input
 * expects approval: histories from before, or from a worker that ignored the forecast,
 * ran admission as an activity (`admitAndRun`).
 */
export const ADMISSION_IN_FIRST_TASK_PATCH = 'admission-in-first-task';

/**
 * Stands for ADMISSION_IN_FIRST_TASK_PATCH (so for every patch of APPROVAL_PATH_PATCHES too) and for
 * ROUND_ENDS_AFTER_ANSWERS_PATCH, in histories recorded since it: asked where ADMISSION_IN_FIRST_TASK_PATCH is, in
 * the workflow's first activation, before admission's local activity. ROUND_ENDS_AFTER_ANSWERS_PATCH asked on its own
 * at the round's wait came right after that local activity's result, and which task a local activity's result lands
 * in is not the workflow's to decide: a task completed early (a query arriving while admission ran) left the result,
 * and so the marker, to the next task, while a replay resolves it in the first and asked the patch before Core knew
 * of the marker ("Non-deprecated patch marker encountered for change round-ends-after-answers, but there is no
 * corresponding change command"): the workflow could not be replayed, so not recovered from an eviction or a worker
 * restart. A patch asked in the first activation has no such race. One marker instead of two, too. Histories from
 * before ask ADMISSION_IN_FIRST_TASK_PATCH, then ROUND_ENDS_AFTER_ANSWERS_PATCH at each wait, as they recorded them.
 */
export const ADMISSION_IN_FIRST_TASK_V2_PATCH = 'admission-in-first-task-v2';

/**
 * A plan's compensation resolution (`resolveCompensation`) is written by a normal activity, scheduled
 * in the workflow task that accepts the update, so it runs only once Temporal durably accepted it. The
 * local activity of histories from before ran inside that task, before its completion: a worker crash
 * there left an audit row for a resolution never accepted, holding the per-resolution sequence key the
 * next accepted resolution needed (the audit then showed the lost answer). Asked on its own, in the
 * handler (not part of APPROVAL_PATH_PATCHES); older histories keep the local activity.
 */
export const COMPENSATION_RESOLUTION_AFTER_ACCEPT_PATCH = 'compensation-resolution-recorded-after-accept';

/**
 * An approver's edit still under review when the round's deadline passes settles the round first:
 * recorded, it ends the round as any edit does; rejected, the round times out. Histories from before
 * timed out at once, and the review that completed afterwards rewrote the action's stored arguments
 * (and told the editor "approved") while the timeout outcome ran the agent's. Asked on its own, at
 * every deadline that times the round out (what it finds there depends on the order of one task's jobs).
 */
export const EDIT_REVIEW_BEFORE_TIMEOUT_PATCH = 'edit-review-before-timeout';

/**
 * At a deadline that times a round out with `timeout: approve`, approvers who lost standing since it opened (disabled,
 * demoted, out of its group, handed the requesting agent) and have not decided stop counting as votes still to come:
 * with a deny among the decisions and `denyEndsIt: false`, the round is denied when those still standing cannot reach
 * the quorum. Histories from before timed such a round out and ran the tool. Asked on its own, at every deadline that
 * times a round out, right after EDIT_REVIEW_BEFORE_TIMEOUT_PATCH and for the same reason: not only where it reads the
 * approvers' standing.
 */
export const LOST_STANDING_BEFORE_TIMEOUT_PATCH = 'lost-standing-before-timeout';

/**
 * At a deadline that times a round out, decisions Temporal accepted before it and still being written count first:
 * a deny still being written at a `timeout: approve` deadline ends the round denied, an approval at a `timeout: deny`
 * one ends it approved. Histories from before timed the round out at once (and ran the tool on an approve timeout),
 * and the write that landed afterwards told its decider the round had gone the other way. Asked on its own, at every
 * deadline that times a round out, right after LOST_STANDING_BEFORE_TIMEOUT_PATCH and for the same reason.
 */
export const WRITES_BEFORE_TIMEOUT_PATCH = 'decision-writes-before-timeout';

/**
 * A plan's rollback after a failed step is not cancellable: a kill switch or an operator's cancel arriving meanwhile
 * no longer turns the running compensation into a failed one and ends the wait for a person with the cancellation,
 * leaving the earlier steps undone. Histories from before ran that rollback in the cancellable scope. Asked on its
 * own, at the failed step, right after the step's normal activity failed (never after a local activity's result).
 */
export const FAILED_PLAN_ROLLBACK_PATCH = 'failed-plan-rollback-not-cancellable';

/**
 * An escalation step that resolves a round's approvers again keeps those who already decided (a recorded decision
 * stands, and the tally counts deciders among the approvers), counts those it dropped undecided (disabled, demoted,
 * handed the agent) as having lost standing, and recounts: a deny against a quorum the approvers still standing can no
 * longer reach ends the round denied. Histories from before took the new list as it came: a decider dropped from it
 * let a later deny end the round while the quorum was still in reach, and an approver dropped undecided still counted
 * as a vote to come, so a `timeout: approve` deadline ran the tool. Asked at every escalation, before its activity
 * (right after the step's timer, never after a local activity's result).
 */
export const ESCALATION_RECOUNTS_PATCH = 'escalation-keeps-deciders-and-recounts';

/**
 * A cancellation (an operator's, a kill switch's) that arrives while the workflow opens a round (`openApproval`, and the
 * editor's approval carried into it) lets the opening finish, so the round the database holds open is the one the
 * workflow shows and its cancellation closes. Histories from before cancelled the opening: its activity wrote the round
 * open anyway, the workflow never learned its id, and the round stayed open for good (listed as open, pending in
 * Slack). Asked only when such a cancellation arrives (in the task that brings it), so no other history carries it.
 */
export const ROUND_OPENING_OUTLIVES_CANCEL_PATCH = 'round-opening-outlives-cancellation';

/** The patches APPROVAL_PATH_PATCHES stands for. */
export type ApprovalPathPatch =
  | typeof ADMISSION_OPENS_ROUND_PATCH
  | typeof DECISION_AFTER_ACCEPT_PATCH
  | typeof DECISION_BY_RUN_PATCH
  | typeof RECHECK_AT_RUN_PATCH
  | typeof RUN_WAITS_FOR_CANCEL_PATCH
  | typeof RUN_COMPLETES_ACTION_PATCH;

/**
 * One workflow's answers to the approval path's patches. Per execution (made in the
 * workflow function, handed down): never module state.
 */
export class ApprovalPathPatches {
  private applied = false;
  private roundEndsAfterAnswersApplied = false;

  /**
   * Asked before admission, only when the caller expects approval: whether admission
   * runs in the first task. Where it does, every later patch of the approval path is applied
   * (with the v2 marker, ROUND_ENDS_AFTER_ANSWERS_PATCH too).
   */
  admissionInFirstTask(): boolean {
    if (patched(ADMISSION_IN_FIRST_TASK_V2_PATCH)) {
      this.applied = true;
      this.roundEndsAfterAnswersApplied = true;
      return true;
    }
    this.applied = patched(ADMISSION_IN_FIRST_TASK_PATCH);
    return this.applied;
  }

  /** Asked at the start of every round's wait: applied when admission's v2 marker said so, else asked. */
  roundEndsAfterAnswers(): boolean {
    return this.roundEndsAfterAnswersApplied || patched(ROUND_ENDS_AFTER_ANSWERS_PATCH);
  }

  /**
   * Asked when admission opened round 1, where ADMISSION_OPENS_ROUND_PATCH was asked
   * first: applied already (admission in the first task), else APPROVAL_PATH_PATCHES's
   * marker, else that patch's own.
   */
  firstRoundOpenedByAdmission(): boolean {
    if (this.applied) return true;
    this.applied = patched(APPROVAL_PATH_PATCHES);
    return this.applied || patched(ADMISSION_OPENS_ROUND_PATCH);
  }

  /** A later patch of the approval path: applied when the first answer said so, else asked. */
  has(patch: Exclude<ApprovalPathPatch, typeof ADMISSION_OPENS_ROUND_PATCH>): boolean {
    return this.applied || patched(patch);
  }
}

/**
 * A round ended by a decision is acted on (its timer cancelled, the round closed, the tool started) only once every
 * decision handler has answered. Before, the handler's answer and the workflow's reaction raced within one task, and
 * which came first depended on how many awaits lay between them: the tracing interceptors add some to a handler that
 * carries a trace header, so a history a traced worker recorded while a traced client decided (the timer cancelled
 * before the update's completion) failed to replay on a worker without tracing: turning tracing off stranded such a
 * workflow until it was turned back on. Asked on its own, at the start of every round's wait; histories from before
 * keep the race as recorded (on traced workers they replay as before).
 */
export const ROUND_ENDS_AFTER_ANSWERS_PATCH = 'round-ends-after-answers';
