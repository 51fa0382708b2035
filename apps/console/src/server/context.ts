import type { Db } from '@airlock/db';
import type { Client } from '@temporalio/client';

/** Everything a handler touches; injected, so tests pass the harness's real Temporal and database. */
export interface ApiContext {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** How long a decision waits for a worker to confirm it (default 20 s). */
  decisionWaitMs?: number;
}
