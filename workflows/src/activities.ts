import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '@airlock/activities';

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
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
