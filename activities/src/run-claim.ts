import { ApplicationFailure } from '@temporalio/common';
import { appendAudit } from '@airlock/db';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';
import { recheckVerdict, type RecheckInput } from './recheck.js';
import { recordToolStart, type PriorWrites } from './records.js';
import type { RecheckReads } from './run-reads.js';
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
 * lists it): it only re-records its start. `recheckReads`: the re-check's reads, when the
 * caller made them already (readBeforeRun).
 */
export async function claimRun(deps: ActivityDeps, claim: RunClaim, fresh: boolean, recheckReads?: RecheckReads): Promise<void> {
  const { actionId, idempotencyKey } = claim;
  const recheck = claim.recheck && fresh ? await recheckVerdict(deps, { ...claim.recheck, args: claim.args }, recheckReads) : undefined;
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
