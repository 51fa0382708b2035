import type { ActionWatch } from '@airlock/core/agent-gateway';
import type { Db } from '@airlock/db';
import type { Client } from '@temporalio/client';
import type { PolicySource } from './policy.js';

/** Everything a handler touches; injected, so tests pass the harness's real Temporal and database. */
export interface ApiContext {
  db: Db;
  /** Must use the workers' data converter (payload encryption), or neither side can read the other's payloads. */
  temporal: Client;
  taskQueue: string;
  /** The policy the workers enforce: for dry runs and to show it. */
  policy: PolicySource;
  /** How long a decision waits for a worker to confirm it (default 20 s). */
  decisionWaitMs?: number;
  /** Wakes authorization waits when an action's audit rows arrive; without it they read the workflow every 250 ms. */
  actionWatch?: ActionWatch;
  /** When set, GET /api/metrics requires it as a bearer token. */
  metricsToken?: string;
}
