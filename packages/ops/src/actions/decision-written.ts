import type { ActionWatch } from '@airlock/core/agent-gateway';
import { WakeUp } from '@airlock/core/wake-up';
import type { Db } from '@airlock/db';

// Unwatched: read again after 2, 4, 8 ... ms (at most 50): the decision is written a few ms after the update answers.
const UNWATCHED_FIRST_MS = 2;
const UNWATCHED_MAX_MS = 50;
// Watched: the decision's audit row wakes the wait; these reads only cover a notification that never comes.
const WATCHED_FIRST_MS = 25;
const WATCHED_MAX_MS = 200;

/**
 * Started with the decision (before the update is sent), so the watch is live by the
 * time the run writes the decision: its `approval.decision` row wakes the wait.
 */
export class DecisionWatch {
  private readonly wakeUp = new WakeUp();
  private readonly unwatch: Promise<(() => void) | undefined>;

  constructor(watch: ActionWatch, actionId: string) {
    // Best effort: a watch that cannot start leaves the wait to its fallback reads.
    this.unwatch = watch
      .watch(actionId, (type) => {
        if (type === 'approval.decision') this.wakeUp.wake();
      })
      .catch(() => undefined);
  }

  /** Resolves once rows committed from now on wake the wait. */
  async live(): Promise<void> {
    await this.unwatch;
  }

  sleep(ms: number): Promise<void> {
    return this.wakeUp.sleep(ms);
  }

  /** Ends the watch without waiting for it to have started. */
  close(): void {
    void this.unwatch.then((unwatch) => unwatch?.());
  }
}

/**
 * A plain approval that settles its round is written by the run it lets start, a
 * few milliseconds after Temporal accepted it (workflows/src/approval.ts,
 * `decision-recorded-by-run`): the tool is not held back by a second workflow
 * task. The person deciding is: `decide` answers once their decision is stored,
 * so what they see next (the console's page, a GET) shows it (Slack does not wait:
 * its message follows the audit rows).
 * Bounded by the decision's wait; past it the decision stands (Temporal holds
 * it, and the run writes it when it starts). With a watch (the console's audit
 * feed) the wait reads once, then again when the decision's audit row commits,
 * instead of reading every few ms while the run claims on the same machine.
 */
export async function awaitDecisionWritten(db: Db, actionId: string, approverId: string, untilMs: number, watch?: DecisionWatch): Promise<void> {
  if (watch) await liveWithin(watch, untilMs);
  const [first, max] = watch ? [WATCHED_FIRST_MS, WATCHED_MAX_MS] : [UNWATCHED_FIRST_MS, UNWATCHED_MAX_MS];
  for (let pauseMs = first; ; pauseMs = Math.min(pauseMs * 2, max)) {
    const { rows } = await db.pool.query<{ written: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM approval_decisions d JOIN approvals a ON a.id = d.approval_id
         WHERE a.action_id = $1 AND d.user_id = $2 AND a.round = (SELECT max(round) FROM approvals WHERE action_id = $1)
       ) AS written`,
      [actionId, approverId],
    );
    const leftMs = untilMs - Date.now();
    if (rows[0]?.written || leftMs <= 0) return;
    await (watch ? watch.sleep(Math.min(pauseMs, leftMs)) : new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, leftMs))));
  }
}

/** The watch's start, bounded by the decision's wait too (a feed whose first read hangs gives up only after 2 s). */
async function liveWithin(watch: DecisionWatch, untilMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([watch.live(), new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, untilMs - Date.now()))))]);
  } finally {
    clearTimeout(timer);
  }
}
