import { ApplicationFailure } from '@temporalio/common';
import { appendAudit, inGatedTransaction, rollbackWith, suspensionFrom, suspensionStatement } from '@airlock/db';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';
import { recheckVerdict, type RecheckInput } from './recheck.js';
import { claimOrRefuse, commitWithAppend, recordToolStart, type PriorWrites, type ToolStart } from './records.js';
import { previousRunFrom, previousRunStatement, recheckReadsFrom, recheckReadStatements, type PreviousRun } from './run-reads.js';
import { reachSettledRoundWrites, recordSettledRound, settledRoundWrites, type SettledRound } from './settled-round.js';

/** A run refused at its start by the kill switch (the workflow reports the action cancelled). */
export const KILL_SWITCH_FAILURE = 'KillSwitch';

/** A run refused by its re-check (the workflow reports the action denied, with the reason). */
export const RECHECK_FAILURE = 'RecheckFailed';

export interface RunClaim {
  actionId: string;
  tool: string;
  args: Record<string, unknown>;
  idempotencyKey: string;
  /** The requesting agent: its kill switch is checked atomically with the claim. */
  agentId?: string | undefined;
  recheck?: Omit<RecheckInput, 'args'> | undefined;
  settledRound?: SettledRound | undefined;
}

/**
 * Claims a run under the start gate, or throws why it may not start. A fresh run writes the
 * decisions it was handed, its re-check and its claim (or the kill switch's refusal) in one
 * commit, in that order in the chain; a refused re-check commits the decisions with the
 * refusal and claims nothing. A run claimed by an earlier attempt (`fresh` false) passed its
 * re-check and wrote its decisions then, and started before any later switch (whose reply
 * lists it): it only re-records its start. (A run that re-checks itself and names its agent
 * goes through claimRechecked instead: fewer round trips.)
 */
export async function claimRun(deps: ActivityDeps, claim: RunClaim, fresh: boolean): Promise<void> {
  const { actionId, idempotencyKey } = claim;
  const recheck = claim.recheck && fresh ? await recheckVerdict(deps, { ...claim.recheck, args: claim.args }) : undefined;
  const settled = fresh ? claim.settledRound : undefined;
  if (recheck || settled) reached(deps, 'recheck.before-write');
  if (recheck && !recheck.result.ok) {
    await (settled ? recordSettledRound(deps, settled, [recheck.event]) : appendAudit(deps.db, recheck.event));
    reached(deps, 'recheck.after-write');
    throw ApplicationFailure.nonRetryable(recheck.result.reason, RECHECK_FAILURE);
  }
  // Sent in the claim's transaction, before the claim: nothing of them commits before it does.
  if (settled) reachSettledRoundWrites(deps);
  reached(deps, 'run.before-claim');
  const decided = settled ? settledRoundWrites(settled) : undefined;
  const prior: PriorWrites | undefined =
    recheck || decided ? { statements: decided?.statements ?? [], events: [...(decided?.events ?? []), ...(recheck ? [recheck.event] : [])] } : undefined;
  const start = await recordToolStart(deps.db, { actionId, tool: claim.tool, idempotencyKey }, fresh ? claim.agentId : undefined, prior);
  if (settled) {
    reached(deps, 'decision.after-write');
    reached(deps, 'close.after-write');
  }
  if (recheck) reached(deps, 'recheck.after-write');
  if (!start.started) throw ApplicationFailure.nonRetryable(start.reason, KILL_SWITCH_FAILURE);
  reached(deps, 'run.after-claim');
}

/** A run that re-checks itself before its claim, naming its agent (the approved action's run). */
export type RecheckedClaim = RunClaim & { recheck: NonNullable<RunClaim['recheck']>; agentId: string };

type RecheckedAnswer = { previous: PreviousRun } | { refused: string } | ToolStart;

/**
 * claimRun for a run that re-checks itself, in one transaction under the start gate from
 * its first read: BEGIN with the gate, the earlier attempt, the re-check's reads and the
 * switch in one message; the decisions it was handed, the verdict's row and the claim (or
 * the refusal) with COMMIT in the second, in that order in the chain. Two round trips
 * where claimRun after its reads takes three. A budget added while the action waited is
 * reserved in the same transaction. An earlier attempt's row rolls it all back and is
 * returned: the caller treats it as any retry (claimRun with `fresh` false).
 */
export async function claimRechecked(deps: ActivityDeps, claim: RecheckedClaim): Promise<{ previous?: PreviousRun }> {
  const { actionId, idempotencyKey, settledRound: settled } = claim;
  const decided = settled ? settledRoundWrites(settled) : undefined;
  const answer = await inGatedTransaction<RecheckedAnswer>(
    deps.db,
    async (client, [previous, requester, reservation, suspension]) => {
      const earlier = previousRunFrom(previous!);
      if (earlier) return rollbackWith({ previous: earlier });
      const reads = recheckReadsFrom([requester!, reservation!], claim.recheck.budgetHolder);
      const recheck = await recheckVerdict(deps, { ...claim.recheck, args: claim.args }, { ...reads, client });
      // Nothing below commits before the message that carries it: the kill points of its writes come first.
      reached(deps, 'recheck.before-write');
      if (settled) reachSettledRoundWrites(deps);
      const prior: PriorWrites = { statements: decided?.statements ?? [], events: [...(decided?.events ?? []), ...recheck.before, recheck.event] };
      if (!recheck.result.ok) return commitWithAppend(client, prior.statements, prior.events, { refused: recheck.result.reason });
      reached(deps, 'run.before-claim');
      return claimOrRefuse(client, { actionId, tool: claim.tool, idempotencyKey }, suspensionFrom(suspension!.rows), prior);
    },
    {
      withBegin: [previousRunStatement(idempotencyKey), ...recheckReadStatements(claim.agentId, claim.recheck.budgetHolder), suspensionStatement(claim.agentId)].join('; '),
    },
  );
  if ('previous' in answer) return { previous: answer.previous };
  if (settled) {
    reached(deps, 'decision.after-write');
    reached(deps, 'close.after-write');
  }
  reached(deps, 'recheck.after-write');
  if ('refused' in answer) throw ApplicationFailure.nonRetryable(answer.refused, RECHECK_FAILURE);
  if (!answer.started) throw ApplicationFailure.nonRetryable(answer.reason, KILL_SWITCH_FAILURE);
  reached(deps, 'run.after-claim');
  return {};
}
