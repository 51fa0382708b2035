import { ApplicationFailure } from '@temporalio/common';
import { inGatedTransaction, rollbackWith, suspensionFrom, suspensionStatement } from '@airlock/db';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';
import { recheckVerdict, type RecheckInput } from './recheck.js';
import { claimOrRefuse, commitWithAppend, recordToolStart, type PriorWrites, type ToolRunClaim, type ToolStart } from './records.js';
import {
  previousRunFrom,
  previousRunStatement,
  recheckReadsFrom,
  recheckReadStatements,
  storedRefusalFrom,
  storedRefusalStatement,
  type PreviousRun,
  type StoredRefusal,
} from './run-reads.js';
import { reachSettledRoundWrites, settledRoundWrites, type SettledRound } from './settled-round.js';

/** A run refused at its start by the kill switch (the workflow reports the action cancelled). */
export const KILL_SWITCH_FAILURE = 'KillSwitch';

/** A run refused by its re-check (the workflow reports the action denied, with the reason). */
export const RECHECK_FAILURE = 'RecheckFailed';

/** A run that re-checks itself before its claim, naming its agent (the approved action's run). */
export interface RecheckedClaim extends ToolRunClaim {
  args: Record<string, unknown>;
  /** The requesting agent: its kill switch is checked atomically with the claim. */
  agentId: string;
  recheck: Omit<RecheckInput, 'args'>;
  /** Approvals Temporal accepted that the run writes first (see settled-round.ts). */
  settledRound?: SettledRound | undefined;
}

/**
 * Claims a run that does not re-check itself (allowed outright, or re-checked by the
 * workflow before it was scheduled), or throws why it may not start. A fresh run that names
 * its agent is claimed under the start gate with the agent's kill switch read in the same
 * transaction, so it starts before a switch or not at all. A run claimed by an earlier attempt (`fresh` false)
 * started before any later switch (whose reply lists it): it only re-records its start.
 * A run that re-checks itself goes through claimRechecked.
 */
export async function claimRun(deps: ActivityDeps, claim: ToolRunClaim & { agentId?: string | undefined }, fresh: boolean): Promise<void> {
  reached(deps, 'run.before-claim');
  const start = await recordToolStart(deps.db, { actionId: claim.actionId, tool: claim.tool, idempotencyKey: claim.idempotencyKey }, fresh ? claim.agentId : undefined);
  if (!start.started) throw ApplicationFailure.nonRetryable(start.reason, KILL_SWITCH_FAILURE);
  reached(deps, 'run.after-claim');
}

/** The failure a refusal was thrown as, thrown again by a retry that finds it committed. */
function refusalFailure({ by, reason }: StoredRefusal): ApplicationFailure {
  return ApplicationFailure.nonRetryable(reason, by === 'recheck' ? RECHECK_FAILURE : KILL_SWITCH_FAILURE);
}

type RecheckedAnswer = { previous: PreviousRun } | { refusedBefore: StoredRefusal } | { refused: string } | ToolStart;

/**
 * claimRun for a run that re-checks itself, in one transaction under the start gate from
 * its first read: BEGIN with the gate, the earlier attempt, the re-check's reads and the
 * switch in one message; the decisions it was handed, the verdict's row and the claim (or
 * the refusal) with COMMIT in the second, in that order in the chain. Two round trips
 * where reading, re-checking and claiming apart would take more. A budget added while the action waited is
 * reserved in the same transaction. An earlier attempt's row rolls it all back and is
 * returned: the caller treats it as any retry (claimRun with `fresh` false). So does a
 * refusal an earlier attempt committed, thrown again as it was: the world may let the
 * run pass now, but the log says refused.
 */
export async function claimRechecked(deps: ActivityDeps, claim: RecheckedClaim): Promise<{ previous?: PreviousRun }> {
  const { actionId, idempotencyKey, settledRound: settled } = claim;
  const decided = settled ? settledRoundWrites(settled) : undefined;
  const answer = await inGatedTransaction<RecheckedAnswer>(
    deps.db,
    async (client, [previous, refusal, requester, reservation, unreserved, suspension]) => {
      const earlier = previousRunFrom(previous!);
      if (earlier) return rollbackWith({ previous: earlier });
      const refusedBefore = storedRefusalFrom(refusal!);
      if (refusedBefore) return rollbackWith({ refusedBefore });
      const reads = recheckReadsFrom([requester!, reservation!, unreserved!], claim.recheck.budgetHolder);
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
      withBegin: [
        previousRunStatement(idempotencyKey),
        storedRefusalStatement(actionId),
        ...recheckReadStatements(claim.agentId, claim.recheck.budgetHolder),
        suspensionStatement(claim.agentId),
      ].join('; '),
    },
  );
  if ('previous' in answer) return { previous: answer.previous };
  if ('refusedBefore' in answer) throw refusalFailure(answer.refusedBefore);
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
