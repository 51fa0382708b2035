import { AUDIT_COLUMNS, auditEventFromRow, type AuditRow, type Db, type StoredAuditEvent } from '@airlock/db';

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
/** Runs a query selecting `AUDIT_COLUMNS` (spelled `{columns}` in `sql`) and returns the rows as stored (payload as written). */
export async function queryAuditEvents(db: Db, sql: string, params: unknown[]): Promise<StoredAuditEvent[]> {
  const { rows } = await db.pool.query<AuditRow>(sql.replaceAll('{columns}', AUDIT_COLUMNS), params);
  return rows.map(auditEventFromRow);
}
