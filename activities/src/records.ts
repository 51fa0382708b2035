import type { ActionOutcome } from '@airlock/core';
import type { ReportAlteration } from '@airlock/core/report-storage';
import {
  appendAuditIn,
  appendAuditWith,
  auditAppendMessage,
  auditAppendStatement,
  auditChainLockItems,
  commitWith,
  inGatedTransaction,
  inlineParams,
  inTransaction,
  killSwitchReason,
  rollbackWith,
  sqlState,
  suspensionFrom,
  suspensionStatement,
  type ActiveSuspension,
  type AuditEventInput,
  type CommitWith,
  type Db,
  type SqlValue,
} from '@airlock/db';
import type pg from 'pg';
import { completeInTransaction, type RunCompletion } from './completion.js';
import { startRefusedEventKey, storedRefusalFrom, storedRefusalStatement } from './run-reads.js';

// Hot-path writes in plain SQL: each step's state change and its audit rows commit
// together in one short transaction (the ORM would add statements and commits).

export interface NewActionRow {
  id: string;
  agentId: string;
  tool: string;
  args: Record<string, unknown>;
  argsHash: string;
  rationale: string;
  idempotencyKey: string;
  requestedBy: string | null;
  riskTier: string;
  riskReasons: string[];
  policyVersion: string | null;
  guardrailFlags: string[];
  costEstimate: string | null;
  /** The agent's signals, redacted like the arguments (a backtest re-evaluates rules over `result` with them). */
  signals: Record<string, unknown>;
  workflowId: string;
  /** `awaiting_approval` when admission opens the first approval round in the same commit (a claimed run is `running`). */
  status: 'requested' | 'awaiting_approval';
}

export interface ToolRunClaim {
  actionId: string;
  tool: string;
  idempotencyKey: string;
}

/**
 * The action row, inside admission's transaction, with the claim of its run
 * (execution row `running`, the action too) when `claim` is given, and the audit
 * chain's lock for the append that follows (appendAuditLockedIn): one statement.
 * Returns false when the row exists: admission already committed once (this is a
 * retry) and nothing is to be written.
 */
export async function insertActionIn(client: pg.PoolClient, action: NewActionRow, claim: ToolRunClaim | null): Promise<boolean> {
  const { text, values } = insertActionStatement(client, action, claim, 'ON CONFLICT (id) DO NOTHING');
  const { rows } = await client.query<{ inserted: boolean }>(text, values);
  return rows[0]!.inserted;
}

/**
 * insertActionIn and the append of `audit` as statements for COMMIT's message
 * (commitWith): admission's last round trip. An existing row fails the insert
 * (isAlreadyAdmitted tells), so nothing of the message commits.
 */
export function admitActionStatements(client: pg.PoolClient, action: NewActionRow, claim: ToolRunClaim | null, audit: readonly AuditEventInput[]): string {
  const { text, values } = insertActionStatement(client, action, claim, '');
  return `${inlineParams(text, values)}; ${auditAppendStatement(audit.map((event) => ({ event })))}`;
}

/**
 * Whether admitActionStatements failed because the action row exists: this is a
 * retry of an admission that committed. Asked after the rollback, of the committed
 * row, whichever unique index reported the conflict (their order is the catalog's).
 */
export async function isAlreadyAdmitted(db: Db, actionId: string, error: unknown): Promise<boolean> {
  if (sqlState(error) !== '23505') return false;
  const { rows } = await db.pool.query('SELECT 1 FROM actions WHERE id = $1', [actionId]);
  return rows.length > 0;
}

function insertActionStatement(client: pg.PoolClient, action: NewActionRow, claim: ToolRunClaim | null, onConflict: string): { text: string; values: SqlValue[] } {
  const text = `WITH action AS (
       INSERT INTO actions (id, agent_id, tool, args, args_hash, rationale, idempotency_key, requested_by, risk_tier, risk_reasons,
                            policy_version, guardrail_flags, cost_estimate, workflow_id, status, signals, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::"RiskTier", $10, $11, $12, $13, $14, $15::"ActionStatus", $16, now())
       ${onConflict} RETURNING id, tool),
     claim AS (
       INSERT INTO tool_executions (idempotency_key, action_id, tool, status)
       SELECT $17, id, tool, 'running' FROM action WHERE $17::text IS NOT NULL
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1)
     SELECT a.n > 0 AS inserted, ${auditChainLockItems(client)}
       FROM (SELECT count(*) AS n FROM action) a, (SELECT count(*) FROM claim) c`;
  const values = [
    action.id,
    action.agentId,
    action.tool,
    JSON.stringify(action.args),
    action.argsHash,
    action.rationale,
    action.idempotencyKey,
    action.requestedBy,
    action.riskTier,
    JSON.stringify(action.riskReasons),
    action.policyVersion,
    JSON.stringify(action.guardrailFlags),
    action.costEstimate,
    action.workflowId,
    claim ? 'running' : action.status,
    JSON.stringify(action.signals),
    claim?.idempotencyKey ?? null,
  ];
  return { text, values };
}

export function toolStartedEvent(claim: ToolRunClaim): AuditEventInput {
  return {
    eventKey: `${claim.actionId}:tool.started:${claim.idempotencyKey}`,
    actionId: claim.actionId,
    type: 'tool.started',
    actor: 'system:executor',
    payload: { tool: claim.tool, idempotencyKey: claim.idempotencyKey },
  };
}

export type ToolStart = { started: true } | { started: false; reason: string };

/**
 * Writes committed with a claim, before it (statements without $n parameters),
 * and their audit rows, which come first in the chain whether the run starts or not.
 */
export interface PriorWrites {
  statements: string[];
  events: AuditEventInput[];
}

/**
 * Claims a tool run: its execution row (once per idempotency key), the action's
 * status, and `tool.started`. With `agentId`, the kill switch is checked in the
 * same transaction under the start gate, so the run starts before a switch or not
 * at all (refused: `action.recheck_failed`), and a refusal committed before is the
 * answer again. Two round trips: BEGIN with the gate, the stored refusal's read and
 * the switch's; then the claim and the audit row with COMMIT. Without
 * `agentId` (a run an earlier attempt claimed re-records its start), one.
 */
export async function recordToolStart(db: Db, claim: ToolRunClaim, agentId?: string): Promise<ToolStart> {
  if (!agentId) {
    await appendAuditWith(db, claimStatements(claim), toolStartedEvent(claim));
    return { started: true };
  }
  return inGatedTransaction<ToolStart>(
    db,
    (client, [refusal, suspension]) => {
      // A refusal an earlier attempt committed (its worker died before Temporal heard) stands, though the switch may be lifted now.
      const refusedBefore = storedRefusalFrom(refusal!);
      if (refusedBefore) return Promise.resolve(rollbackWith({ started: false, reason: refusedBefore.reason }));
      return Promise.resolve(claimOrRefuse(client, claim, suspensionFrom(suspension!.rows), { statements: [], events: [] }));
    },
    { withBegin: `${storedRefusalStatement(claim.actionId)}; ${suspensionStatement(agentId)}` },
  );
}

/** A claim's writes: the execution row (once per idempotency key) and the action's status; values inlined. */
function claimStatements(claim: ToolRunClaim): string[] {
  return [
    inlineParams(`INSERT INTO tool_executions (idempotency_key, action_id, tool, status) VALUES ($1, $2, $3, 'running') ON CONFLICT (idempotency_key) DO NOTHING`, [
      claim.idempotencyKey,
      claim.actionId,
      claim.tool,
    ]),
    inlineParams(`UPDATE actions SET status = 'running', updated_at = now() WHERE id = $1`, [claim.actionId]),
  ];
}

/**
 * What COMMIT carries in a gated claim's transaction, once the switch was read under the
 * gate: `prior`, then the claim and `tool.started`, or, with a switch in force, `prior`
 * and the refusal (`action.recheck_failed`) without a claim.
 */
export function claimOrRefuse(client: pg.PoolClient, claim: ToolRunClaim, suspension: ActiveSuspension | null, prior: PriorWrites): CommitWith<ToolStart> {
  if (suspension) {
    const reason = killSwitchReason(suspension, 'cancelled');
    const refused: AuditEventInput = {
      eventKey: startRefusedEventKey(claim.actionId),
      actionId: claim.actionId,
      type: 'action.recheck_failed',
      actor: 'system:kill-switch',
      payload: { reason },
    };
    return commitWithAppend(client, prior.statements, [...prior.events, refused], { started: false, reason });
  }
  return commitWithAppend(client, [...prior.statements, ...claimStatements(claim)], [...prior.events, toolStartedEvent(claim)], { started: true });
}

/** `statements` and the append of `events` with COMMIT, answering `answer` once durable. */
export function commitWithAppend<T>(client: pg.PoolClient, statements: readonly string[], events: readonly AuditEventInput[], answer: T): CommitWith<T> {
  const append = auditAppendMessage(client, events);
  return commitWith([...statements, append.sql].join('; '), (results): T => {
    append.read(results);
    return answer;
  });
}

/**
 * Records a successful run; with an `in_run` completion, also completes the action
 * in the same commit (completeInTransaction: outcome, budget settled, audit row). Returns the
 * outcome already recorded when it differs (see completeInTransaction).
 */
export async function recordToolSuccess(
  db: Db,
  input: { actionId: string; tool: string; idempotencyKey: string; output: unknown; completion: RunCompletion; altered?: ReportAlteration },
): Promise<ActionOutcome | null> {
  const succeeded: AuditEventInput = {
    eventKey: `${input.actionId}:tool.succeeded:${input.idempotencyKey}`,
    actionId: input.actionId,
    type: 'tool.succeeded',
    actor: 'system:executor',
    // `output` is the storable form (storableRunResult); `altered` says what it changed.
    payload: { tool: input.tool, ...(input.altered ? { resultAltered: input.altered } : {}) },
  };
  const { completion, idempotencyKey, output } = input;
  if (completion.kind === 'in_run')
    return completeInTransaction(db, { status: 'executed', actionId: input.actionId, output }, completion.hold, { idempotencyKey, output, succeeded });
  return inTransaction(db, async (client) => {
    await client.query(`UPDATE tool_executions SET status = 'succeeded', result = $2, finished_at = now() WHERE idempotency_key = $1`, [
      input.idempotencyKey,
      JSON.stringify(input.output ?? null),
    ]);
    await appendAuditIn(client, succeeded);
    return null;
  });
}
