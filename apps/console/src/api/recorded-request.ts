import type { RecordedRequest } from '@airlock/core/gateway';
import type { Db } from '@airlock/db';

interface RecordedRow {
  tool: string;
  requested_by: string | null;
  args_hash: string;
  requested_args_hash: string | null;
  authorized: boolean;
  ran_in_worker: boolean;
}

// One statement, a primary-key probe first: a new key (every first submission) finds no row and
// reads nothing more. Only a repeat reads its action.requested row (by its unique event key) and
// looks through the action's own audit rows for how it ran.
const RECORDED_REQUEST = `
  SELECT a.tool, a.requested_by, a.args_hash, r.payload->>'argsHash' AS requested_args_hash,
         EXISTS (SELECT 1 FROM audit_events e WHERE e.action_id = a.id AND e.type = 'action.authorized') AS authorized,
         EXISTS (SELECT 1 FROM audit_events e WHERE e.action_id = a.id AND e.type = 'tool.started') AS ran_in_worker
  FROM actions a
  LEFT JOIN audit_events r ON r.event_key = a.id || ':requested'
  WHERE a.id = $1`;

/**
 * submitAction's `recordedRequest` on the database: the action row, and the hash of the arguments as first
 * requested from its action.requested row (the row's own hash follows an approver's edit). Admission writes
 * both in one transaction; the row's hash stands in should the audit row be missing.
 */
export function recordedRequestIn(db: Db): (actionId: string) => Promise<RecordedRequest | undefined> {
  return async (actionId) => {
    const row = (await db.pool.query<RecordedRow>(RECORDED_REQUEST, [actionId])).rows[0];
    if (!row) return undefined;
    const execution = row.authorized ? 'agent' : row.ran_in_worker ? 'worker' : undefined;
    return {
      tool: row.tool,
      argsHash: row.requested_args_hash ?? row.args_hash,
      requestedBy: row.requested_by,
      ...(execution ? { execution } : {}),
    };
  };
}
