/** An audit row as the live feed signals it. */
export interface LiveSignal {
  seq: string;
  actionId: string | null;
}

/**
 * Whether a batch of signals has anything the page does not show yet: a row of its action (any
 * action's when `actionId` is unset) after `shownSeq`, the last row it rendered. The process-wide feed
 * can signal rows late (a missed notification waits for its next poll), and a refresh for a row
 * already on the page re-renders it for nothing: after a session ended, into the sign-in page, losing
 * what the person had typed.
 */
export function showsSomethingNew(signals: readonly LiveSignal[], actionId: string | undefined, shownSeq: string | undefined): boolean {
  const after = shownSeq === undefined ? undefined : BigInt(shownSeq);
  return signals.some((s) => (!actionId || s.actionId === actionId) && (after === undefined || BigInt(s.seq) > after));
}
