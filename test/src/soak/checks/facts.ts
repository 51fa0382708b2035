import { verifyAuditChain, type ChainVerification, type Db } from '@airlock/db';
import type { ActionOutcome } from '@airlock/core';
import { actionHandle } from '@airlock/core/gateway';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
// @temporalio/proto is CommonJS without static named exports: take the namespace from its default export.
import proto from '@temporalio/proto';
import type { ActionRecord } from '../driver.js';
import { retryThroughOutages } from '../retry.js';

/** Everything the invariants look at, read once after the run from PostgreSQL and Temporal. */
export interface Facts {
  actions: ActionFacts[];
  chain: ChainVerification;
  usage: UsageRow[];
  /** Rows that belong to no submitted action: anything here ran without being asked. */
  strayExecutions: string[];
  strayLedger: string[];
}

export interface ActionFacts {
  record: ActionRecord;
  actionId: string;
  workflow: WorkflowFacts;
  row: { status: string; argsHash: string } | undefined;
  audit: AuditRow[];
  executions: { idempotencyKey: string; status: string }[];
  ledger: { idempotencyKey: string; amount: string; reversed: boolean }[];
  approvals: ApprovalRow[];
  reservations: { budgetId: string; status: string; amount: string; actualAmount: string | null }[];
}

export interface WorkflowFacts {
  /** The closing event (`COMPLETED`, `FAILED`, `TERMINATED`, ...) or `RUNNING`. */
  closed: string;
  outcome: ActionOutcome | undefined;
  /** Activities whose final attempt was not the first (a killed worker's, or one that hit an outage). */
  retriedActivities: number;
  workflowTaskTimeouts: number;
  workflowTaskFailures: string[];
}

export interface AuditRow {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
}

export interface ApprovalRow {
  round: number;
  status: string;
  argsHash: string;
  decisions: { userId: string; decision: string; argsHash: string }[];
}

export interface UsageRow {
  budgetId: string;
  scope: string;
  target: string;
  limit: string;
  spent: string;
  reserved: string;
}

export async function gatherFacts(db: Db, client: Client, records: readonly ActionRecord[]): Promise<Facts> {
  const submitted = records.filter((r): r is ActionRecord & { actionId: string } => r.actionId !== undefined);
  const ids = submitted.map((r) => r.actionId);
  const idSet = new Set(ids);
  const q = async <T extends object>(sql: string, params: unknown[] = []) => (await db.pool.query<T>(sql, params)).rows;

  const rows = await q<{ id: string; status: string; args_hash: string }>(`SELECT id, status::text, args_hash FROM actions`);
  const audit = await q<{ seq: string; action_id: string; type: string; payload: Record<string, unknown> }>(
    `SELECT seq, action_id, type, payload FROM audit_events WHERE action_id IS NOT NULL ORDER BY seq`,
  );
  const executions = await q<{ idempotency_key: string; action_id: string; status: string }>(`SELECT idempotency_key, action_id, status FROM tool_executions`);
  const ledger = await q<{ idempotency_key: string; amount: string; reversed: boolean }>(
    `SELECT idempotency_key, amount::text, reversed_at IS NOT NULL AS reversed FROM ledger_entries`,
  );
  const approvals = await q<{ id: string; action_id: string; round: number; status: string; args_hash: string }>(
    `SELECT id, action_id, round, status::text, args_hash FROM approvals`,
  );
  const decisions = await q<{ approval_id: string; user_id: string; decision: string; args_hash: string }>(
    `SELECT approval_id, user_id, decision::text, args_hash FROM approval_decisions`,
  );
  const reservations = await q<{ action_id: string; budget_id: string; status: string; amount: string; actual_amount: string | null }>(
    `SELECT action_id, budget_id, status, amount::text, actual_amount::text FROM budget_reservations`,
  );
  const usage = await q<{ budget_id: string; scope: string; target: string; limit_amount: string; spent: string; reserved: string }>(
    `SELECT u.budget_id, b.scope::text, b.target, b.limit_amount::text, u.spent::text, u.reserved::text FROM budget_usage u JOIN budgets b ON b.id = u.budget_id`,
  );

  const group = <T, K>(items: readonly T[], key: (item: T) => K) => {
    const map = new Map<K, T[]>();
    for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
    return map;
  };
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const auditBy = group(audit, (a) => a.action_id);
  const executionsBy = group(executions, (e) => e.action_id);
  const approvalsBy = group(approvals, (a) => a.action_id);
  const decisionsBy = group(decisions, (d) => d.approval_id);
  const reservationsBy = group(reservations, (r) => r.action_id);
  // Ledger keys are the tool run's idempotency key, `<action id>:run`.
  const ledgerBy = group(ledger, (l) => l.idempotency_key.replace(/:run$/, ''));
  const workflows = await workflowFacts(client, ids);

  return {
    chain: await verifyAuditChain(db),
    usage: usage.map((u) => ({ budgetId: u.budget_id, scope: u.scope, target: u.target, limit: u.limit_amount, spent: u.spent, reserved: u.reserved })),
    strayExecutions: executions.filter((e) => !idSet.has(e.action_id)).map((e) => e.idempotency_key),
    strayLedger: ledger.filter((l) => !idSet.has(l.idempotency_key.replace(/:run$/, ''))).map((l) => l.idempotency_key),
    actions: submitted.map((record, i) => {
      const id = record.actionId;
      const row = rowById.get(id);
      return {
        record,
        actionId: id,
        workflow: workflows[i]!,
        row: row && { status: row.status, argsHash: row.args_hash },
        audit: (auditBy.get(id) ?? []).map((a) => ({ seq: Number(a.seq), type: a.type, payload: a.payload })),
        executions: (executionsBy.get(id) ?? []).map((e) => ({ idempotencyKey: e.idempotency_key, status: e.status })),
        ledger: (ledgerBy.get(id) ?? []).map((l) => ({ idempotencyKey: l.idempotency_key, amount: l.amount, reversed: l.reversed })),
        approvals: (approvalsBy.get(id) ?? []).map((a) => ({
          round: a.round,
          status: a.status,
          argsHash: a.args_hash,
          decisions: (decisionsBy.get(a.id) ?? []).map((d) => ({ userId: d.user_id, decision: d.decision, argsHash: d.args_hash })),
        })),
        reservations: (reservationsBy.get(id) ?? []).map((r) => ({ budgetId: r.budget_id, status: r.status, amount: r.amount, actualAmount: r.actual_amount })),
      };
    }),
  };
}

const { EventType, WorkflowTaskFailedCause } = proto.temporal.api.enums.v1;
type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
const CLOSING: ReadonlyMap<number, string> = new Map([
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, 'COMPLETED'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, 'FAILED'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, 'TERMINATED'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, 'TIMED_OUT'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, 'CANCELED'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, 'CONTINUED_AS_NEW'],
]);

/** One history read per action, a few at a time. */
async function workflowFacts(client: Client, ids: readonly string[]): Promise<WorkflowFacts[]> {
  const results: WorkflowFacts[] = new Array<WorkflowFacts>(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      const { value } = await retryThroughOutages(
        () => actionHandle(client, ids[i]!).fetchHistory(),
        () => false,
        60_000,
      );
      results[i] = summarize(value.events ?? []);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return results;
}

function summarize(events: readonly HistoryEvent[]): WorkflowFacts {
  const facts: WorkflowFacts = { closed: 'RUNNING', outcome: undefined, retriedActivities: 0, workflowTaskTimeouts: 0, workflowTaskFailures: [] };
  for (const event of events) {
    const type = event.eventType ?? 0;
    const closed = CLOSING.get(type);
    if (closed) facts.closed = closed;
    const payload = event.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
    if (payload) facts.outcome = defaultPayloadConverter.fromPayload<ActionOutcome>(payload);
    if ((event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) facts.retriedActivities++;
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) facts.workflowTaskTimeouts++;
    const failed = event.workflowTaskFailedEventAttributes;
    if (failed) facts.workflowTaskFailures.push(WorkflowTaskFailedCause[failed.cause ?? 0] ?? String(failed.cause));
  }
  return facts;
}
