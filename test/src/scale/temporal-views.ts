import { setTimeout as sleep } from 'node:timers/promises';
import { actionHandle } from '@airlock/core/gateway';
import type { Client, WorkflowHandle } from '@temporalio/client';
// @temporalio/proto is CommonJS without static named exports: take the namespace from its default export.
import proto from '@temporalio/proto';

const { temporal } = proto;

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

export interface RunningActivity {
  actionId: string;
  activityId: string;
}

/** Activities of these actions that a worker with `identity` has started and not finished (from Temporal's describe). */
export async function activitiesOn(client: Client, actionIds: readonly string[], identity: string): Promise<RunningActivity[]> {
  const found: RunningActivity[] = [];
  for (const actionId of actionIds) {
    const { raw } = await actionHandle(client, actionId).describe();
    for (const pending of raw.pendingActivities ?? []) {
      if (pending.state === STARTED && pending.lastWorkerIdentity === identity && pending.activityId) found.push({ actionId, activityId: pending.activityId });
    }
  }
  return found;
}

export interface FinalAttempt {
  activityId: string;
  /** The attempt that completed: history records only the last attempt's start. */
  attempt: number;
  identity: string;
  /** Why the attempt before it ended, if there was one. */
  previousFailure: string | undefined;
}

/** Each activity's last attempt as the workflow history records it. */
export async function retriedActivities(handle: WorkflowHandle): Promise<FinalAttempt[]> {
  const { events } = await handle.fetchHistory();
  const activityIds = new Map<number, string>();
  const attempts: FinalAttempt[] = [];
  for (const event of events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityId) activityIds.set(Number(event.eventId), scheduled.activityId);
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const failure = started.lastFailure;
      const timeoutType = failure?.timeoutFailureInfo?.timeoutType;
      attempts.push({
        activityId: activityIds.get(Number(started.scheduledEventId)) ?? '?',
        attempt: started.attempt ?? 1,
        identity: started.identity ?? '',
        previousFailure: failure
          ? `${failure.message ?? ''} ${timeoutType !== undefined && timeoutType !== null ? temporal.api.enums.v1.TimeoutType[timeoutType] : ''}`.trim()
          : undefined,
      });
    }
  }
  return attempts;
}

/** Polls `probe` until it returns a value; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}
