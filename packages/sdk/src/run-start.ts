import type { Airlock } from './airlock.js';
import { AirlockApiError, isTransient } from './rest-transport.js';

/** How long a claim or a report is sent again through network errors and 502/503/504 before it is given up. */
export const RESEND_FOR_MS = 30_000;
export const MAX_RESEND_DELAY_MS = 4_000;

/** A random id for one run attempt's claim (`Airlock.claimRun`): never reused by another attempt or process. */
export function newRunnerId(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * What the model is told when another run (another process, or this one after a restart) claimed the call first:
 * the tool was not run here, and its result is not known here.
 */
export function claimedElsewhereText(toolName: string, actionId: string, why: string): string {
  return (
    `${toolName} was not run here: this call was already started by another run (${why}), and its result is not known here. ` +
    `It shows in Airlock (action ${actionId}) once that run reports it; do not call ${toolName} again for this.`
  );
}

/**
 * Whether this process may run an authorized tool: its claim was recorded (`run`), or not, with the tool result to
 * answer the model instead (`text`): claimed by another run first, or the authorization no longer usable.
 */
export type RunStart = { run: true; runnerId: string } | { run: false; claimedElsewhere: boolean; text: string };

/**
 * Claims the authorized run before the tool starts (Airlock.claimRun, with a runner id of its own): once per
 * action across processes, so a call retried after a crash or restart never runs the tool twice. Sent again
 * with the same runner id through network errors and 502/503/504 for up to 30 s, then the error is thrown
 * (the tool does not run). Another run's claim, or an authorization no longer usable, is a RunStart saying so.
 * `runnerId`: the id an earlier call that threw used, to try again as the same runner (its claim may have been
 * recorded with the answer lost: under a new id it would be refused as another runner's).
 */
export async function startRun(airlock: Airlock, actionId: string, toolName: string, authorizationId: string, runnerId = newRunnerId()): Promise<RunStart> {
  const deadline = Date.now() + RESEND_FOR_MS;
  let retryDelayMs = 250;
  for (;;) {
    try {
      await airlock.claimRun(actionId, { authorizationId, runnerId });
      return { run: true, runnerId };
    } catch (error) {
      if (error instanceof AirlockApiError && error.status === 409) {
        if (error.code === 'conflict') return { run: false, claimedElsewhere: true, text: claimedElsewhereText(toolName, actionId, error.message) };
        return { run: false, claimedElsewhere: false, text: `Airlock refused ${toolName}: ${error.message}` };
      }
      if (!isTransient(error) || Date.now() + retryDelayMs > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      retryDelayMs = Math.min(retryDelayMs * 2, MAX_RESEND_DELAY_MS);
    }
  }
}

/**
 * The runner ids of claims that got no answer (startRun threw), by action. A call retried after one claims as the
 * same runner: the first claim may have been recorded with its answer lost, and under a new id it would be refused as
 * another runner's, the tool never run. Bounded: past `limit`, the oldest are forgotten (their retry claims anew).
 */
export class UnansweredClaims {
  readonly #runnerIds = new Map<string, string>();

  constructor(private readonly limit: number) {}

  /** startRun as this action's unanswered claim's runner, if it has one; remembered again when this one throws too. */
  async start(airlock: Airlock, actionId: string, toolName: string, authorizationId: string): Promise<RunStart> {
    const runnerId = this.#runnerIds.get(actionId) ?? newRunnerId();
    this.#runnerIds.delete(actionId);
    try {
      return await startRun(airlock, actionId, toolName, authorizationId, runnerId);
    } catch (error) {
      this.#runnerIds.set(actionId, runnerId);
      for (const oldest of this.#runnerIds.keys()) {
        if (this.#runnerIds.size <= this.limit) break;
        this.#runnerIds.delete(oldest);
      }
      throw error;
    }
  }
}
