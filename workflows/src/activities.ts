import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '@airlock/activities';

/**
 * How long a tool run (or an admission, or a compensation) may go without a heartbeat before Temporal retries it
 * elsewhere: the time a SIGKILLed worker's attempt waits for its retry. Each beats every second; workers flush
 * heartbeats at least every 3 s (maxHeartbeatThrottleInterval in apps/worker/src/worker.ts; the SDK's own 0.8 x this
 * timeout left 2 s of slack), so a live attempt has 7 s to spare. Was 30 s (15 s for compensations) until 7 Dec 2026.
 */
export const TOOL_HEARTBEAT_TIMEOUT = '10 seconds';

// Bookkeeping steps are short database writes: local activities skip a server
// round trip each, which keeps the guarded path close to bare Temporal.
export const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '10 seconds' },
});

// The tool runs as a normal activity: it heartbeats, can be cancelled, and a
// crashed worker's attempt is retried elsewhere (its idempotency key makes that safe).
export const executor = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: TOOL_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

// A decision is written to the database by a normal activity: it is scheduled in
// the workflow task that accepts the `decide` update, so it runs only after
// Temporal has durably accepted the decision. A local activity runs before that
// task completes, and a crash there left a decision in the database that the
// workflow never saw (docs/RELIABILITY.md, "decision recorded, never applied").
export const recorder = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '5 seconds' },
});

// The same tool run, but a cancellation (kill switch) waits until the tool has
// really stopped: a tool that finished anyway is reported executed, never cancelled.
export const waitingExecutor = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: TOOL_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
