import { CancellationScope, patched } from '@temporalio/workflow';
import type { ActionOutcome, ActionStatusView, GuardedActionInput, PlanStep } from '@airlock/core';
import type { AdmitAndRunAnswer, BudgetHold } from '@airlock/activities';
import { bookkeeping, executor, waitingExecutor } from './activities.js';
import { admissionResult, showAdmission, type RunEnd } from './admission-result.js';
import { awaitApproval, recordSettled, type EffectiveArgs, type SettledHold } from './approval.js';
import type { ApprovalPathPatches } from './patches.js';

/**
 * What completion settles: the arguments that run and who holds their budget.
 * Shared with the caller (not returned) so that a cancellation at any await still
 * settles the reservation held at that moment.
 */
export interface ActionHold extends SettledHold {
  effective: EffectiveArgs;
  /** A plan's steps that ran and were not undone (runPlan fills it as its rollback goes): their cost stays spent. */
  spentSteps?: PlanStep[];
  /** The run was stopped at its time limit (TOOL_OVERRAN_FAILURE): it may have run, so its cost stays spent. */
  mayHaveRun?: boolean;
}

/** The reservation completion settles now, if money is held. */
export function heldBudget(hold: ActionHold): BudgetHold | null {
  if (!hold.effective.budgetReserved) return null;
  const { spentSteps, mayHaveRun } = hold;
  return { holder: hold.effective.budgetHolder, ...(spentSteps?.length ? { spentSteps } : {}), ...(mayHaveRun ? { mayHaveRun } : {}) };
}

export type GateResult =
  /** Admission ran it already (allowed outright, fast path). */
  | { kind: 'ran'; run: RunEnd }
  /** Denied by policy or by people, expired, or refused at the re-check. */
  | { kind: 'ended'; outcome: ActionOutcome }
  /**
   * Allowed (outright, by a standing approval, or by people): the caller runs it.
   * `at_run`: approved, and the re-check is left to the run, which does it before claiming.
   */
  | { kind: 'cleared'; recheck: 'done' | 'at_run' };

/**
 * Stands for waiting, when a cancellation (an operator's, a kill switch's) reaches the workflow while admission's
 * activity runs the tool of an action allowed outright (the fast path), until that run has really stopped: a tool that
 * finished anyway (a refund already sent) is the outcome, never `cancelled` over it. Asked only when such a
 * cancellation arrives, so an auto-approved action's history carries no marker otherwise. Histories from before
 * moved on at once (the activity was TRY_CANCEL): their cancellation is passed on the same way, not waited for.
 */
export const FAST_PATH_WAITS_FOR_CANCEL_PATCH = 'fast-path-waits-for-cancellation';

export interface GateOptions {
  /** This workflow's answers to the approval path's patches. */
  patches: ApprovalPathPatches;
  /** Admission may run the action itself (not a plan, not gate-only): a cancellation waits for that run (FAST_PATH_WAITS_FOR_CANCEL_PATCH). */
  runsInAdmission?: boolean;
  /** Asked once people approved: whether the run re-checks itself (one step fewer between a decision and the tool). */
  recheckAtRun?: () => boolean;
  /** Asked when an approval settles the round: whether the run writes it (one workflow task fewer; implies `recheckAtRun`). */
  runRecordsDecision?: () => boolean;
}

/** The gate both workflows share: admission, perhaps a human approval, and the re-check before running. */
export async function passGate(input: GuardedActionInput, view: ActionStatusView, hold: ActionHold, options: GateOptions): Promise<GateResult> {
  const { actionId } = input;
  // Workflow time goes with it: a round admission opens is timed on the workflow's clock too.
  const clock = { workflowNowMs: Date.now() };
  // An action expected to wait is admitted inside this task (no run to claim); any other by the fast path's activity.
  const inFirstTask = input.expectsApproval === true && options.patches.admissionInFirstTask();
  const admitted = admissionResult(
    actionId,
    inFirstTask ? await bookkeeping.admit(input, clock) : options.runsInAdmission ? await admitAndRunToItsEnd(input, clock, hold) : await executor.admitAndRun(input, clock),
  );
  showAdmission(view, admitted.admission);
  hold.effective = { ...hold.effective, budgetReserved: admitted.admission.budgetReserved };
  switch (admitted.kind) {
    case 'ran':
      return { kind: 'ran', run: admitted.run };
    case 'denied':
      return { kind: 'ended', outcome: admitted.outcome };
    case 'allowed':
      return { kind: 'cleared', recheck: 'done' };
    case 'needs_approval':
      break;
  }
  // Histories from before admission opened round 1 ran `openApproval` for it.
  const firstRound = admitted.opened && options.patches.firstRoundOpenedByAdmission() ? admitted.opened : undefined;
  const verdict = await awaitApproval(input, admitted.classification, admitted.admission.budgetImpacts, view, hold, {
    patches: options.patches,
    runRecordsDecision: options.runRecordsDecision,
    ...(firstRound ? { firstRound } : {}),
  });
  if (verdict.kind === 'closed') return { kind: 'ended', outcome: verdict.outcome };
  hold.effective = verdict.effective;
  const atRun = options.recheckAtRun?.() ?? false;
  // Only a run that re-checks itself writes a settled round: otherwise it is written before the re-check.
  if (!atRun) await recordSettled(hold);
  if (atRun) {
    // The run's re-check may reserve a budget created meanwhile: completion settles whatever the holder holds.
    hold.effective = { ...hold.effective, budgetReserved: true };
    return { kind: 'cleared', recheck: 'at_run' };
  }
  // The world may have changed while the approval waited: suspended agent, new policy, lowered budget.
  view.phase = 'rechecking';
  const recheck = await bookkeeping.recheckBeforeRun({ input, args: hold.effective.args, budgetHolder: hold.effective.budgetHolder });
  if (!recheck.ok) return { kind: 'ended', outcome: { status: 'denied', actionId, reason: `re-check before running failed: ${recheck.reason}`, deniedBy: 'policy' } };
  // A budget created while the action waited was reserved at the re-check: settled at completion.
  if (recheck.budgetReserved) hold.effective = { ...hold.effective, budgetReserved: true };
  return { kind: 'cleared', recheck: 'done' };
}

/**
 * admitAndRun in a scope the workflow's cancellation does not reach: it is passed on by hand, so that the workflow can
 * wait for the run's real end (FAST_PATH_WAITS_FOR_CANCEL_PATCH). Scheduled as the fast path always was (a
 * cancellation type is the workflow's own, not part of the command), and with no cancellation nothing else changes.
 */
async function admitAndRunToItsEnd(input: GuardedActionInput, clock: { workflowNowMs: number }, hold: ActionHold): Promise<AdmitAndRunAnswer> {
  const workflowScope = CancellationScope.current();
  // Cancelled before admission was even asked: nothing is scheduled, as ever (the activity is refused in the scope).
  if (workflowScope.consideredCancelled) return executor.admitAndRun(input, clock);
  let runScope: CancellationScope | undefined;
  const run = CancellationScope.nonCancellable(() => {
    runScope = new CancellationScope();
    return runScope.run(() => waitingExecutor.admitAndRun(input, clock));
  });
  const first = await Promise.race([run.then((answer) => ({ answer })), workflowScope.cancelRequested.catch((error: unknown) => ({ cancelled: error }))]);
  if ('answer' in first) return first.answer;
  // Cancelled meanwhile: Temporal asks the activity to stop (its heartbeats carry it to the tool), as it always did.
  runScope!.cancel();
  if (!patched(FAST_PATH_WAITS_FOR_CANCEL_PATCH)) {
    // Histories from before: the workflow moved on at once, leaving the run's end unheard.
    run.catch(() => undefined);
    throw first.cancelled;
  }
  // Its end: the answer of a run that finished anyway. A run that stopped ends in the activity's cancellation, or in its
  // failure when the tool threw its own error on seeing it (Temporal does not retry an activity asked to cancel): the
  // tool did not finish either way, and the workflow's cancellation is the action's end.
  try {
    return await run;
  } catch {
    // Admission may have reserved the action's cost before the run stopped; its answer never came, so completion
    // settles whatever the action holds (releasing nothing when it holds nothing).
    hold.effective = { ...hold.effective, budgetReserved: true };
    throw first.cancelled;
  }
}

/**
 * Why the action was cancelled (kill switch or operator); an open approval round is
 * closed as cancelled first, and accepted decisions left to a run that never ran are written.
 */
export async function closeForCancellation(input: GuardedActionInput, view: ActionStatusView, hold: ActionHold): Promise<string> {
  const { actionId, request } = input;
  return CancellationScope.nonCancellable(async () => {
    await recordSettled(hold);
    const why = await bookkeeping.cancellationReason({ agentId: request.agentId });
    if (view.approval && view.phase === 'awaiting_approval') {
      await bookkeeping.closeApproval({ actionId, approvalId: view.approval.approvalId, round: view.approval.round, closure: 'cancelled', reason: why });
    }
    return why;
  });
}
