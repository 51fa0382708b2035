import type { ActivityDeps } from './deps.js';

/**
 * Steps of the decision path where a crash test may SIGKILL the worker
 * (AIRLOCK_TEST_KILL_POINT): before, between and after each write, from the
 * decision to the recorded outcome, and around the commit of an admission that
 * opens round 1. Off unless the worker is started with one. Writes sent together
 * in one message (a transaction's statements with its COMMIT) reach their
 * before and between points before the message is sent: nothing of it commits
 * before the COMMIT inside it, so a kill there and a kill between them leave the
 * same database. The same holds while the transaction is open with only reads
 * sent (an approved run's claim, claimRechecked): a kill rolls it all back.
 */
export const KILL_POINTS = [
  'admission.before-commit',
  'admission.after-commit',
  'decision.before-write',
  'decision.between-writes',
  'decision.after-write',
  'close.before-write',
  'close.after-write',
  'recheck.before-write',
  'recheck.after-write',
  'run.before-claim',
  'run.after-claim',
  'complete.before-write',
  'complete.after-write',
] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

export function isKillPoint(name: string): name is KillPoint {
  return (KILL_POINTS as readonly string[]).includes(name);
}

/** Marks a step; the crash hook (tests only) ends the process here. */
export function reached(deps: Pick<ActivityDeps, 'killPoint'>, point: KillPoint): void {
  deps.killPoint?.(point);
}
