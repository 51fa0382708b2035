import type { Db } from './client.js';

// One row per worker process (table policy_runtimes): the policy it runs, written
// when it loads one and refreshed by a heartbeat, so the console shows and dry-runs
// the policy in force rather than a copy of its own, and says which version each worker runs.

/** How often a worker refreshes `seen_at`. */
export const POLICY_HEARTBEAT_MS = 15_000;
/** A worker not seen for this long is taken to be gone (crashed: a clean stop removes its row). */
export const POLICY_RUNTIME_STALE_MS = 60_000;

export interface PolicyRuntime {
  /** The worker's identity, `<pid>@<host>` as Temporal shows it. */
  workerId: string;
  /** The policy file it loaded. */
  source: string;
  version: string;
  /** The exact text it compiled: the console compiles the same text for its dry runs. */
  text: string;
  loadedAt: Date;
  seenAt: Date;
}

/** A worker loaded `policy` (at start or on a reload): `loaded_at` moves only when the version changes. */
export async function recordPolicyRuntime(db: Db, runtime: { workerId: string; source: string; version: string; text: string }): Promise<void> {
  await db.pool.query(
    `INSERT INTO policy_runtimes (worker_id, source, version, text, loaded_at, seen_at) VALUES ($1, $2, $3, $4, now(), now())
     ON CONFLICT (worker_id) DO UPDATE SET source = EXCLUDED.source, version = EXCLUDED.version, text = EXCLUDED.text, seen_at = now(),
       loaded_at = CASE WHEN policy_runtimes.version = EXCLUDED.version THEN policy_runtimes.loaded_at ELSE now() END`,
    [runtime.workerId, runtime.source, runtime.version, runtime.text],
  );
}

/** The heartbeat: the worker is still there. */
export async function touchPolicyRuntime(db: Db, workerId: string): Promise<void> {
  await db.pool.query('UPDATE policy_runtimes SET seen_at = now() WHERE worker_id = $1', [workerId]);
}

/** A clean stop: the worker runs nothing any more. */
export async function removePolicyRuntime(db: Db, workerId: string): Promise<void> {
  await db.pool.query('DELETE FROM policy_runtimes WHERE worker_id = $1', [workerId]);
}

/** Every reported worker, the most recent load first; `live` = seen within POLICY_RUNTIME_STALE_MS (by the database's clock). */
export async function listPolicyRuntimes(db: Db): Promise<(PolicyRuntime & { live: boolean })[]> {
  const { rows } = await db.pool.query<{ worker_id: string; source: string; version: string; text: string; loaded_at: Date; seen_at: Date; live: boolean }>(
    `SELECT worker_id, source, version, text, loaded_at, seen_at, seen_at > now() - make_interval(secs => $1) AS live
       FROM policy_runtimes ORDER BY loaded_at DESC, worker_id`,
    [POLICY_RUNTIME_STALE_MS / 1000],
  );
  return rows.map((r) => ({ workerId: r.worker_id, source: r.source, version: r.version, text: r.text, loadedAt: r.loaded_at, seenAt: r.seen_at, live: r.live }));
}

/** The policy a live worker loaded most recently (during a rolling reload, the new one), or null when no worker reports one. */
export async function newestLivePolicy(db: Db): Promise<PolicyRuntime | null> {
  const { rows } = await db.pool.query<{ worker_id: string; source: string; version: string; text: string; loaded_at: Date; seen_at: Date }>(
    `SELECT worker_id, source, version, text, loaded_at, seen_at FROM policy_runtimes
      WHERE seen_at > now() - make_interval(secs => $1) ORDER BY loaded_at DESC, worker_id LIMIT 1`,
    [POLICY_RUNTIME_STALE_MS / 1000],
  );
  const r = rows[0];
  return r ? { workerId: r.worker_id, source: r.source, version: r.version, text: r.text, loadedAt: r.loaded_at, seenAt: r.seen_at } : null;
}
