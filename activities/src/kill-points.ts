import type { ActivityDeps } from './deps.js';

/**
 * Steps where a crash test may SIGKILL the worker (AIRLOCK_TEST_KILL_POINT):
 * before, between and after each write, from the decision to the recorded
 * outcome, around the commit of an admission that opens round 1, and (added
 * below, each with a comment) on the timeout path, the gate-only report and a
 * plan's compensations. Off unless the worker is started with one. Writes sent together
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
  // A round's closing (closeApproval, also a timed-out round's): its status written, its audit row not yet.
  'close.between-writes',
  // The timeout path (approval deadlines): an escalation widens the approvers, in two writes
  // (the approval's level, then approval.escalated); the timed-out round's closing is close.*, its outcome complete.*.
  'escalate.before-write',
  'escalate.between-writes',
  'escalate.after-write',
  // The gate-only report (recordAgentReport): the execution row and tool.reported, in one transaction.
  'report.before-write',
  'report.between-writes',
  'report.after-write',
  // A plan step's compensation (compensateStep): the tool's undo (its side effect), then its audit row
  // (compensation.succeeded, or compensation.skipped for a step without one, reached there without an undo).
  'compensation.before-undo',
  'compensation.before-write',
  'compensation.after-write',
  // A person's answer to a failing compensation (recordCompensationResolution): its one audit row.
  'compensation.before-resolution',
  'compensation.after-resolution',
] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

export function isKillPoint(name: string): name is KillPoint {
  return (KILL_POINTS as readonly string[]).includes(name);
}

/** Marks a step; the crash hook (tests only) ends the process here. */
export function reached(deps: Pick<ActivityDeps, 'killPoint'>, point: KillPoint): void {
  deps.killPoint?.(point);
}
