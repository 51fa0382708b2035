import type { AuditEvent, Db } from '@airlock/db';

/** What the audit page and the exports filter on (AuditFilters without the cursor). */
export interface AuditConditionFilters {
  action?: string | undefined;
  agent?: string | undefined;
  actor?: string | undefined;
  type?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** A WHERE clause over audit_events and its parameters ($1…), built from the page's filters. */
export interface AuditConditions {
  where: string;
  params: unknown[];
  /** Whether a time range is among the conditions (it changes how a page is best read). */
  timed: boolean;
}

/**
 * The filters as SQL. An agent's rows are the rows it is the actor of and the
 * rows of its actions (audit rows carry the action, not the agent); the
 * sub-select lets PostgreSQL hash every one of those actions, however many.
 */
export function auditConditions(filters: AuditConditionFilters, extra: { before?: string; after?: string } = {}): AuditConditions {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (extra.before) clauses.push(`seq < ${param(extra.before)}::bigint`);
  if (extra.after) clauses.push(`seq > ${param(extra.after)}::bigint`);
  if (filters.action) clauses.push(`action_id = ${param(filters.action)}`);
  if (filters.actor) clauses.push(`actor = ${param(filters.actor)}`);
  if (filters.type) clauses.push(`type = ${param(filters.type)}`);
  if (filters.from) clauses.push(`created_at >= ${param(filters.from)}`);
  if (filters.to) clauses.push(`created_at <= ${param(filters.to)}`);
  if (filters.agent) {
    const agent = param(filters.agent);
    clauses.push(`(actor = 'agent:' || ${agent} OR action_id IN (SELECT id FROM actions WHERE agent_id = ${agent}))`);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params, timed: Boolean(filters.from || filters.to) };
}

// node-postgres returns bigint as a string: seq arrives exact.
const COLUMNS = 'seq, event_key, action_id, type, actor, payload, created_at, prev_hash, hash';

interface Row {
  seq: string;
  event_key: string;
  action_id: string | null;
  type: string;
  actor: string;
  payload: AuditEvent['payload'];
  created_at: Date;
  prev_hash: string;
  hash: string;
}

/** Runs a query selecting `COLUMNS` (spelled `{columns}` in `sql`) and returns the rows as the console's AuditEvent. */
export async function queryAuditEvents(db: Db, sql: string, params: unknown[]): Promise<AuditEvent[]> {
  const { rows } = await db.pool.query<Row>(sql.replaceAll('{columns}', COLUMNS), params);
  return rows.map((r) => ({
    seq: BigInt(r.seq),
    eventKey: r.event_key,
    actionId: r.action_id,
    type: r.type,
    actor: r.actor,
    payload: r.payload,
    createdAt: r.created_at,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}
