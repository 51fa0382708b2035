import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, patched, setHandler, uuid4 } from '@temporalio/workflow';
import type { ActionOutcome, ActionStatusView, AgentReport, GuardedActionInput, RunClaim, RunClaimed } from '@airlock/core';
import { DEFAULT_REPORT_WINDOW_MS, RUN_CLAIMED_ELSEWHERE, claimRunUpdate, reportUpdate, runIdempotencyKey, statusQuery } from '@airlock/core/workflow';
import { bookkeeping, recorder } from './activities.js';
import { closeForCancellation, heldBudget, passGate, type ActionHold } from './gate.js';
import { ApprovalPathPatches } from './patches.js';

/**
 * A kill switch revokes an authorization that is out and unreported: it is no
 * longer handed out, and a report is still accepted (and recorded as made after
 * revocation) until the authorization expires; unreported by then, the action
 * ends cancelled. The report's recording cannot be cut short by a cancellation.
 */
export const AUTHORIZATION_REVOCATION_PATCH = 'authorization-revoked-by-kill-switch';

/**
 * Stands for AUTHORIZATION_REVOCATION_PATCH in histories recorded since it, asked first thing in the workflow's first
 * activation. That patch, asked on its own, came right after `recordAuthorization`, a local activity, and which task a
 * local activity's result lands in is not the workflow's to decide (a task completed early, e.g. for a query that
 * arrived meanwhile, leaves it to the next): a run and its replay could ask the patch in different tasks, and the
 * history would not replay (seen once in CI on 7 Dec 2026: "Non-deprecated patch marker encountered for change
 * authorization-revoked-by-kill-switch"). Histories from before ask AUTHORIZATION_REVOCATION_PATCH where they did.
 */
export const AGENT_RUN_PATCHES_AT_START_PATCH = 'agent-run-patches-at-start';

/**
 * The report is recorded by a normal activity, scheduled in the workflow task that accepts the
 * `report` update, so it runs only once Temporal durably accepted the report. The local activity
 * of histories from before ran inside that task, before its completion: a worker (and server)
 * crash there left an execution row, `tool.reported` and even the outcome in the database for a
 * report Temporal never took (the action then waited for a report, or expired, with one recorded).
 */
export const REPORT_AFTER_ACCEPT_PATCH = 'agent-report-recorded-after-accept';

/**
 * A run claim whose recording ends in the workflow task that also brings the authorization's end (its expiry's
 * time reached, or a kill switch's cancellation), before the code ending it has run: the runner is told not to
 * run, as it is once that code ran. Histories from before answered "run" there, after the expiry or the switch.
 */
export const CLAIM_ANSWERED_AS_OF_ITS_TASK_PATCH = 'run-claim-answered-as-of-its-task';

/**
 * A gate-only action: the same admission, approvals and re-check as
 * `guardedAction`, but the agent runs the tool. Once allowed, the workflow hands
 * out an authorization (the arguments to run with and an id) and waits for the
 * agent's `report`, which records the result and settles the budget; unreported
 * past the window, the authorization expires.
 */
export async function agentRun(input: GuardedActionInput): Promise<ActionOutcome> {
  const { actionId, request } = input;
  // The workflow's own scope: cancelled (a kill switch) as soon as the cancellation reaches the workflow, before `revoke` runs.
  const workflowScope = CancellationScope.current();
  const view: ActionStatusView = { actionId, agentId: request.agentId, tool: request.tool, argsHash: input.argsHash, phase: 'classifying' };
  setHandler(statusQuery, () => view);
  const hold: ActionHold = { effective: { args: request.args, argsHash: input.argsHash, budgetHolder: actionId, budgetReserved: false } };
  let report: AgentReport | undefined;
  /** New histories: a kill switch revokes an unreported authorization (AUTHORIZATION_REVOCATION_PATCH). */
  let revocable = false;
  // Asked before anything else (see AGENT_RUN_PATCHES_AT_START_PATCH): in the first activation, whatever comes later.
  const patchesAtStart = patched(AGENT_RUN_PATCHES_AT_START_PATCH);

  setHandler(
    reportUpdate,
    async (incoming: AgentReport): Promise<ActionOutcome> => {
      report ??= incoming;
      // Answers once the outcome is recorded, so the agent's call returns what the audit log says
      // (also after a kill switch cancelled the workflow: a report of a revoked authorization is still taken).
      await CancellationScope.nonCancellable(() => condition(() => view.phase === 'completed'));
      return view.outcome!;
    },
    {
      validator: (incoming: AgentReport) => {
        const authorization = view.authorization;
        if (!authorization) throw new Error('the action is not authorized (yet); wait for its authorization');
        if (incoming.authorizationId !== authorization.authorizationId) throw new Error('unknown authorization id for this action');
        if (incoming.argsHash !== authorization.argsHash) throw new Error('the report names other arguments than were approved');
        const first = report ?? (authorization.reportHash ? { reportHash: authorization.reportHash } : undefined);
        if (first && first.reportHash !== incoming.reportHash) throw new Error('the action was already reported with another result');
        // After a revocation, an agent that already held the authorization may still say what it did.
        if (!first && view.phase !== 'awaiting_report' && view.phase !== 'authorization_revoked') {
          throw new Error('the authorization is no longer usable (expired or cancelled)');
        }
        // From its expiry on, even before the expiry's timer is handled: the timer and a report can reach the workflow
        // in one task, the report first, and a worker that died after writing the expired outcome loses that task, so its
        // retry holds the report too. Validators run only when an update arrives (never on replay).
        if (!first && Date.now() >= Date.parse(authorization.expiresAt)) throw new Error('the authorization expired before the report');
      },
    },
  );

  /**
   * Whether the authorization can still be used: awaiting its report, and not being revoked (a kill switch's
   * revocation runs activities before its phase shows; a claim recorded meanwhile must not be answered "run").
   */
  let revoking = false;
  const usable = () => view.phase === 'awaiting_report' && !revoking;
  /** The authorization's end is in this task already (its expiry's time, a cancellation), though the code ending it has not run yet. */
  const endingInThisTask = () => workflowScope.consideredCancelled || (view.authorization !== undefined && Date.now() >= Date.parse(view.authorization.expiresAt));

  /**
   * The run's claim (`claimRun`): the runner that is starting the tool. Set by the first claim's handler before
   * its first await, and the next update's validator runs only after that, so of two runners claiming at once
   * exactly one is accepted; answered once its audit row is committed (`recorded`), and only if the
   * authorization is still usable then (`answered`: a runner was told to run). Histories without a claim replay
   * as before: nothing here runs without the Update.
   */
  let claim: (RunClaimed & { recorded: boolean; answered: boolean; refused?: string }) | undefined;
  setHandler(
    claimRunUpdate,
    async (incoming: RunClaim): Promise<RunClaimed> => {
      if (!claim) {
        claim = { authorizationId: incoming.authorizationId, runnerId: incoming.runnerId, claimedAt: new Date(Date.now()).toISOString(), recorded: false, answered: false };
        const taken = claim;
        // By a normal activity, scheduled in the task that accepts the claim: written only once Temporal durably took it
        // (a local activity would write it inside that task, and a crash there left a row naming a claim never taken).
        // Recorded even when a kill switch cancels the workflow meanwhile: the runner may be starting the tool.
        // Refused, nothing written, when a kill switch covering the agent was on as it was recorded (its cancellation
        // may not have reached this workflow yet). Histories from before hold no result: not refused.
        const recorded = await CancellationScope.nonCancellable(() =>
          recorder.recordRunClaim({
            actionId,
            agentId: request.agentId,
            tool: request.tool,
            authorizationId: taken.authorizationId,
            runnerId: taken.runnerId,
            claimedAt: taken.claimedAt,
          }),
        );
        taken.recorded = true;
        if (recorded?.refused) taken.refused = recorded.refused;
        // Expired, revoked or ended while it was being recorded (or by the task its recording's end came in): no runner is
        // told to run, and the action ends saying the tool did not run (endUnreported waits for this recording before it decides).
        // Asked after every recording, not only when the end is in this task: whether the code ending the authorization
        // ran first within the task depends on the interceptors' awaits (tracing adds some), and a marker asked only on
        // one ordering failed the replay of the other (agent-run-claim-ended-by-expiry.json with tracing on).
        const asOfItsTask = patched(CLAIM_ANSWERED_AS_OF_ITS_TASK_PATCH);
        taken.answered = !taken.refused && usable() && !(asOfItsTask && endingInThisTask());
        if (taken.answered && view.authorization) view.authorization = { ...view.authorization, claimedAt: taken.claimedAt };
      }
      const taken = claim;
      await CancellationScope.nonCancellable(() => condition(() => taken.recorded));
      if (taken.refused) throw ApplicationFailure.create({ nonRetryable: true, message: `${taken.refused}: do not run the tool` });
      if (!taken.answered || !usable()) {
        throw ApplicationFailure.create({ nonRetryable: true, message: 'the authorization is no longer usable (expired, revoked or cancelled): do not run the tool' });
      }
      return { authorizationId: taken.authorizationId, runnerId: taken.runnerId, claimedAt: taken.claimedAt };
    },
    {
      validator: (incoming: RunClaim) => {
        const authorization = view.authorization;
        if (!authorization) throw new Error('the action is not authorized (yet); wait for its authorization');
        if (incoming.authorizationId !== authorization.authorizationId) throw new Error('unknown authorization id for this action');
        // A claim the kill switch refused claimed nothing: every runner is told why.
        if (claim?.refused) throw new Error(`${claim.refused}: do not run the tool`);
        if (claim && claim.runnerId !== incoming.runnerId) {
          throw ApplicationFailure.create({
            type: RUN_CLAIMED_ELSEWHERE,
            nonRetryable: true,
            message: `the run was already claimed by another runner at ${claim.claimedAt}: it may have run the tool; its result shows in Airlock once it reports`,
          });
        }
        if (claim) return;
        if (report || authorization.reportHash) throw new Error('the action was already reported');
        if (!usable()) throw new Error('the authorization is no longer usable (expired, revoked or cancelled)');
        // From its expiry on, even before the expiry's timer is handled (validators run only when an update arrives, never on replay).
        if (Date.now() >= Date.parse(authorization.expiresAt)) throw new Error('the authorization is no longer usable (expired)');
      },
    },
  );

  /** `mayHaveRun`: ended unreported after its run was claimed; the budget held is kept as spent (BudgetHold). */
  const finish = async (outcome: ActionOutcome, mayHaveRun = false): Promise<ActionOutcome> => {
    view.phase = 'completing';
    view.outcome = outcome;
    const held = heldBudget(hold);
    return CancellationScope.nonCancellable(async () => {
      // An outcome already recorded (outcomes never change) is the one the agent gets.
      const kept = await bookkeeping.completeAction({ outcome, hold: held && mayHaveRun ? { ...held, mayHaveRun } : held });
      if (kept) view.outcome = kept;
      view.phase = 'completed';
      await condition(allHandlersFinished);
      return kept ?? outcome;
    });
  };

  /**
   * Ends an authorization no report came for. A claim still being recorded goes first (its row then precedes
   * `action.completed`, and its runner is told not to run); a runner that was told to run may have run: the outcome
   * says so, and the budget held stays spent.
   */
  const endUnreported = async (status: 'expired' | 'cancelled', notUsed: string, afterClaim: (claimedAt: string) => string): Promise<ActionOutcome> => {
    view.phase = 'completing';
    const taken = claim;
    if (taken) await CancellationScope.nonCancellable(() => condition(() => taken.recorded));
    if (taken?.answered) return await finish({ status, actionId, reason: afterClaim(taken.claimedAt) }, true);
    return await finish({ status, actionId, reason: notUsed });
  };

  /** Records the agent's report (never cut short by a cancellation) and ends the action as it says. */
  const recordReport = async (afterRevocation: boolean): Promise<ActionOutcome> => {
    const { status, output, error, altered } = report!;
    view.authorization = { ...view.authorization!, reportHash: report!.reportHash };
    view.phase = 'running';
    const writer = patched(REPORT_AFTER_ACCEPT_PATCH) ? recorder : bookkeeping;
    const record = () =>
      writer.recordAgentReport({
        actionId,
        tool: request.tool,
        idempotencyKey: runIdempotencyKey(actionId),
        status,
        ...(status === 'succeeded' ? { output } : { error: error ?? 'failed' }),
        ...(afterRevocation ? { afterRevocation } : {}),
        ...(altered ? { altered } : {}),
      });
    await (revocable ? CancellationScope.nonCancellable(record) : record());
    return await finish(status === 'succeeded' ? { status: 'executed', actionId, output: output ?? null } : { status: 'failed', actionId, error: error ?? 'failed' });
  };

  /**
   * The kill switch cancelled the action while its authorization was out: a report
   * already in hand is recorded as usual; otherwise the authorization is revoked and
   * a report is awaited until it expires (the agent may have run the tool before the
   * switch), then the action ends cancelled.
   */
  const revoke = async (): Promise<ActionOutcome> => {
    if (report) return await recordReport(false);
    revoking = true;
    return await CancellationScope.nonCancellable(async () => {
      const why = await bookkeeping.cancellationReason({ agentId: request.agentId });
      const { authorizationId, expiresAt } = view.authorization!;
      await bookkeeping.revokeAuthorization({ actionId, authorizationId, reason: why, reportsAcceptedUntil: expiresAt });
      view.phase = 'authorization_revoked';
      const remainingMs = Date.parse(expiresAt) - Date.now();
      if (remainingMs > 0 && (await condition(() => report !== undefined, remainingMs))) return await recordReport(true);
      return await endUnreported(
        'cancelled',
        `${why}; the authorization was revoked before it was used`,
        (claimedAt) => `${why}; the authorization was revoked after ${claimedUnreported(claimedAt)}`,
      );
    });
  };

  try {
    const gate = await passGate(input, view, hold, { patches: new ApprovalPathPatches() });
    // Gate-only actions are never run by admission: an answer saying so is a bug, not an outcome.
    if (gate.kind === 'ran') throw ApplicationFailure.nonRetryable('admission ran a gate-only action', 'GateOnlyActionRan');
    if (gate.kind === 'ended') return await finish(gate.outcome);
    const { effective } = hold;

    const windowMs = request.reportWithinMs ?? DEFAULT_REPORT_WINDOW_MS;
    const authorization = { authorizationId: uuid4(), args: effective.args, argsHash: effective.argsHash, expiresAt: new Date(Date.now() + windowMs).toISOString() };
    // Issuing it is the action's start: through the kill switch's start gate, and not cut short by the switch's cancellation.
    const refused = await CancellationScope.nonCancellable(() =>
      bookkeeping.recordAuthorization({
        actionId,
        tool: request.tool,
        authorizationId: authorization.authorizationId,
        argsHash: authorization.argsHash,
        expiresAt: authorization.expiresAt,
        agentId: request.agentId,
      }),
    );
    // Null in histories written before the gate (the activity returned nothing then).
    if (refused) return await finish({ status: 'cancelled', actionId, reason: refused.refused });
    revocable = patchesAtStart || patched(AUTHORIZATION_REVOCATION_PATCH);
    view.authorization = authorization;
    view.phase = 'awaiting_report';

    if (!(await condition(() => report !== undefined, windowMs))) {
      return await endUnreported(
        'expired',
        `the authorization was not used (no report) within ${windowMs / 1000}s; the budget is released`,
        (claimedAt) => `the authorization expired ${windowMs / 1000}s after it was issued, ${claimedUnreported(claimedAt)}`,
      );
    }
    return await recordReport(false);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    if (revocable && view.phase === 'awaiting_report') return await revoke();
    return await finish({ status: 'cancelled', actionId, reason: await closeForCancellation(input, view, hold) });
  }
}

/** Why an action whose run was claimed but never reported ends as it does: the tool may have run, at most once. */
function claimedUnreported(claimedAt: string): string {
  return `its run claimed at ${claimedAt} and never reported: the tool may have run and its result is unknown; the budget stays spent`;
}
