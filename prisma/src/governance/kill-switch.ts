import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import type { KillSwitch } from '../../generated/client.js';
import type { Db } from '../client.js';
import { GovernanceScope, ScopedTarget, Target, Text, targetMatchesScope, targetScopeIssue } from './scope.js';
import { inlineParams } from './sql-literals.js';
import { inTransaction, lockName, type CommitWith, type RollbackWith, type WithBegin } from './transaction.js';

export type { KillSwitch };

/** What a refusal or cancellation cites: the switch that stopped the agent. */
export type ActiveSuspension = Pick<KillSwitch, 'id' | 'scope' | 'target' | 'reason' | 'createdBy' | 'createdAt'>;

/**
 * How an action stopped by a switch says so: `suspended` when admission or the
 * re-check refuses it, `cancelled` when it is stopped at its start or while it waits.
 */
export function killSwitchReason(suspension: Pick<ActiveSuspension, 'scope' | 'target' | 'createdBy' | 'reason'>, effect: 'suspended' | 'cancelled'): string {
  return `${effect} by the kill switch (${suspension.scope} ${suspension.target}) by ${suspension.createdBy}: ${suspension.reason}`;
}

export const SuspendRequest = z.object({ scope: GovernanceScope, target: Target, reason: Text, by: Text }).refine(targetMatchesScope, targetScopeIssue);
export type SuspendRequest = z.input<typeof SuspendRequest>;

export const ResumeRequest = z.object({ scope: GovernanceScope, target: Target, by: Text }).refine(targetMatchesScope, targetScopeIssue);
export type ResumeRequest = z.input<typeof ResumeRequest>;

interface KillSwitchRow {
  id: string;
  scope: GovernanceScope;
  target: string;
  reason: string;
  created_by: string;
  created_at: Date;
  lifted_at: Date | null;
  lifted_by: string | null;
}

const COLUMNS = 'id, scope, target, reason, created_by, created_at, lifted_at, lifted_by';

function toKillSwitch(row: KillSwitchRow): KillSwitch {
  return {
    id: row.id,
    scope: row.scope,
    target: row.target,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    liftedAt: row.lifted_at,
    liftedBy: row.lifted_by,
  };
}

/**
 * Stops an agent, a team or the tenant. Suspending what is already suspended
 * returns the switch in force (`created: false`), so a double click is one event.
 */
export async function suspend(db: Db, input: SuspendRequest): Promise<{ suspension: KillSwitch; created: boolean }> {
  const { scope, target, reason, by } = SuspendRequest.parse(input);
  return inTransaction(db, async (client) => {
    // No unique index covers "one active switch per target", so find-or-insert is serialised here.
    await lockName(client, 'kill-switch', `${scope}:${target}`);
    const active = await client.query<KillSwitchRow>(`SELECT ${COLUMNS} FROM kill_switches WHERE scope = $1 AND target = $2 AND lifted_at IS NULL ORDER BY created_at LIMIT 1`, [
      scope,
      target,
    ]);
    if (active.rows[0]) return { suspension: toKillSwitch(active.rows[0]), created: false };
    const inserted = await client.query<KillSwitchRow>(`INSERT INTO kill_switches (id, scope, target, reason, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`, [
      randomUUID(),
      scope,
      target,
      reason,
      by,
    ]);
    return { suspension: toKillSwitch(inserted.rows[0]!), created: true };
  });
}

/** Lifts the switch on exactly this scope and target; returns whether one was in force. */
export async function resume(db: Db, input: ResumeRequest): Promise<boolean> {
  const { scope, target, by } = ResumeRequest.parse(input);
  const { rowCount } = await db.pool.query('UPDATE kill_switches SET lifted_at = now(), lifted_by = $3 WHERE scope = $1 AND target = $2 AND lifted_at IS NULL', [
    scope,
    target,
    by,
  ]);
  return (rowCount ?? 0) > 0;
}

export const AgentIdentity = z.object({ agentId: Target, team: Target });
export type AgentIdentity = z.input<typeof AgentIdentity>;

/** The switch stopping this agent, if any; the most specific one (agent, then team, then tenant) names the cause best. */
export async function activeSuspension(db: Db, input: AgentIdentity): Promise<ActiveSuspension | null> {
  const { agentId, team } = AgentIdentity.parse(input);
  const { rows } = await db.pool.query<KillSwitchRow>(
    `SELECT ${COLUMNS} FROM kill_switches
      WHERE lifted_at IS NULL
        AND ((scope = 'agent' AND target = $1) OR (scope = 'team' AND target = $2) OR (scope = 'tenant' AND target = '*'))
      ORDER BY CASE scope WHEN 'agent' THEN 0 WHEN 'team' THEN 1 ELSE 2 END, created_at DESC
      LIMIT 1`,
    [agentId, team],
  );
  if (!rows[0]) return null;
  const { id, scope, target, reason, createdBy, createdAt } = toKillSwitch(rows[0]);
  return { id, scope, target, reason, createdBy, createdAt };
}

/**
 * Newest first. Plain SQL, not Prisma: a Prisma query starts its WASM query
 * compiler (about 0.5 s of CPU), which `airlock suspensions` would pay on every run.
 */
export async function listSuspensions(db: Db, options: { activeOnly?: boolean } = {}): Promise<KillSwitch[]> {
  const { rows } = await db.pool.query<KillSwitchRow>(
    `SELECT ${COLUMNS} FROM kill_switches ${options.activeOnly ? 'WHERE lifted_at IS NULL' : ''} ORDER BY created_at DESC, id ASC`,
  );
  return rows.map(toKillSwitch);
}

/** Ids of the live actions (not yet finished) a switch on this scope and target stops: the ones to cancel. */
export async function actionsAffectedBy(db: Db, input: ScopedTarget): Promise<string[]> {
  return actionsAffectedIn(db.pool, input);
}

/** The same inside the caller's transaction: a switch reads them at its own moment, under the start gate. */
export async function actionsAffectedIn(client: Pick<pg.PoolClient, 'query'>, input: ScopedTarget): Promise<string[]> {
  const { scope, target } = ScopedTarget.parse(input);
  const { rows } = await client.query<{ id: string }>(
    `SELECT a.id FROM actions a JOIN agents g ON g.id = a.agent_id
      WHERE a.status IN ('requested', 'awaiting_approval', 'running')
        AND CASE $1::"GovernanceScope" WHEN 'agent' THEN a.agent_id = $2 WHEN 'team' THEN g.team = $2 ELSE true END
      ORDER BY a.created_at, a.id`,
    [scope, target],
  );
  return rows.map((r) => r.id);
}

/** An agent as admission needs it, with the switch stopping it (if any). */
export interface Requester {
  agent: { id: string; team: string; ownerId: string | null; allowedTools: string[]; disabled: boolean };
  suspension: ActiveSuspension | null;
}

/**
 * The agent and its kill switch in one round trip (both are read on every
 * action). Same precedence as activeSuspension. Unknown agent → null.
 */
export async function loadRequester(db: Db, agentId: string): Promise<Requester | null> {
  return requesterIn(db.pool, agentId);
}

type RequesterRow = { id: string; team: string; owner_id: string | null; allowed_tools: string[]; disabled: boolean } & {
  [K in keyof KillSwitchRow as `ks_${K}`]: KillSwitchRow[K] | null;
};

const REQUESTER_SQL = `SELECT a.id, a.team, a.owner_id, a.allowed_tools, a.disabled_at IS NOT NULL AS disabled,
            ks.id AS ks_id, ks.scope AS ks_scope, ks.target AS ks_target, ks.reason AS ks_reason, ks.created_by AS ks_created_by, ks.created_at AS ks_created_at
       FROM agents a
       LEFT JOIN LATERAL (
         SELECT id, scope, target, reason, created_by, created_at FROM kill_switches
          WHERE lifted_at IS NULL
            AND ((scope = 'agent' AND target = a.id) OR (scope = 'team' AND target = a.team) OR (scope = 'tenant' AND target = '*'))
          ORDER BY CASE scope WHEN 'agent' THEN 0 WHEN 'team' THEN 1 ELSE 2 END, created_at DESC
          LIMIT 1) ks ON true
      WHERE a.id = $1`;

/** The same inside the caller's transaction: admission reads it under the start gate when it may claim a run. */
export async function requesterIn(client: Pick<pg.PoolClient, 'query'>, agentId: string): Promise<Requester | null> {
  const { rows } = await client.query<RequesterRow>(REQUESTER_SQL, [agentId]);
  return requesterFrom(rows);
}

/** requesterIn's statement with the agent inlined, to send in another statement's message (admission's BEGIN). */
export function requesterStatement(agentId: string): string {
  return inlineParams(REQUESTER_SQL, [agentId]);
}

/** The requester from requesterStatement's result. */
export function requesterFrom(rows: readonly RequesterRow[]): Requester | null {
  const row = rows[0];
  if (!row) return null;
  const suspension =
    row.ks_id !== null
      ? { id: row.ks_id, scope: row.ks_scope!, target: row.ks_target!, reason: row.ks_reason!, createdBy: row.ks_created_by!, createdAt: row.ks_created_at! }
      : null;
  return { agent: { id: row.id, team: row.team, ownerId: row.owner_id, allowedTools: row.allowed_tools, disabled: row.disabled }, suspension };
}

// One lock orders tool starts against kill switches (issue 11, item 3). Every start
// holds it shared while it checks the switch and claims the run in one
// transaction; a switch holds it exclusively while it commits. So a run either
// started (committed its claim) before the switch, and the switch's reply lists
// it as started, or it sees the switch and never starts.
const START_GATE = 'airlock:tool-start-gate';
const HOLD_START_GATE = `SELECT pg_advisory_xact_lock_shared(hashtextextended('${START_GATE}', 0))`;

/** Shared side: inside the transaction that checks the switch and claims a run. */
export async function holdStartGate(client: pg.PoolClient): Promise<void> {
  await client.query(HOLD_START_GATE);
}

/**
 * inTransaction holding the shared side from BEGIN on (sent in one round trip,
 * with `withBegin`'s statements after it; `work` gets their results). The switch
 * is read in a later statement, whose snapshot then sees any switch the gate waited for.
 */
export async function inGatedTransaction<T>(
  db: Db,
  work: (client: pg.PoolClient, begun: pg.QueryResult[]) => Promise<T | RollbackWith<T> | CommitWith<T>>,
  options: { withBegin?: WithBegin } = {},
): Promise<T> {
  const { withBegin } = options;
  return inTransaction(db, (client, begun) => work(client, begun.slice(1)), {
    withBegin: withBegin ? (client) => `${HOLD_START_GATE}; ${typeof withBegin === 'function' ? withBegin(client) : withBegin}` : HOLD_START_GATE,
  });
}

/** Exclusive side: inside the transaction that turns a kill switch on. */
export async function closeStartGate(client: Pick<pg.PoolClient, 'query'>): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [START_GATE]);
}

/** The switch stopping this agent, read inside the caller's transaction (after holdStartGate). */
export async function suspensionIn(client: pg.PoolClient, agentId: string): Promise<ActiveSuspension | null> {
  const { rows } = await client.query<KillSwitchRow>(SUSPENSION_SQL, [agentId]);
  return suspensionFrom(rows);
}

const SUSPENSION_SQL = `SELECT ks.${COLUMNS.split(', ').join(', ks.')} FROM agents a
       JOIN kill_switches ks ON ks.lifted_at IS NULL
        AND ((ks.scope = 'agent' AND ks.target = a.id) OR (ks.scope = 'team' AND ks.target = a.team) OR (ks.scope = 'tenant' AND ks.target = '*'))
      WHERE a.id = $1
      ORDER BY CASE ks.scope WHEN 'agent' THEN 0 WHEN 'team' THEN 1 ELSE 2 END, ks.created_at DESC
      LIMIT 1`;

/** suspensionIn's read with the agent inlined, to send in another statement's message (after the start gate's); suspensionFrom reads its rows. */
export function suspensionStatement(agentId: string): string {
  return inlineParams(SUSPENSION_SQL, [agentId]);
}

export function suspensionFrom(rows: readonly unknown[]): ActiveSuspension | null {
  if (!rows[0]) return null;
  const { id, scope, target, reason, createdBy, createdAt } = toKillSwitch(rows[0] as KillSwitchRow);
  return { id, scope, target, reason, createdBy, createdAt };
}

/**
 * Of these actions, the ones that started: a tool run claimed (a worker's run or a
 * plan's step) or, for a gate-only action, an authorization issued. Listed as such
 * by a kill switch's reply.
 */
export async function actionsWithStartedRuns(db: Db, actionIds: readonly string[]): Promise<string[]> {
  if (actionIds.length === 0) return [];
  const { rows } = await db.pool.query<{ action_id: string }>(
    `SELECT action_id FROM tool_executions WHERE action_id = ANY($1::text[])
      UNION
     SELECT action_id FROM audit_events WHERE action_id = ANY($1::text[]) AND type = 'action.authorized'
      ORDER BY action_id`,
    [actionIds],
  );
  return rows.map((r) => r.action_id);
}
