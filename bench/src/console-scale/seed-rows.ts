import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { insertRows } from './batch-insert.js';
import { AGENTS, APPROVERS, BUDGETED_AGENTS, TEAMS, type DataSet, type SeededAction } from './data-set.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const month = (ms: number) => `${new Date(ms).toISOString().slice(0, 7)}-01`;

/** People, agents and budgets: the few rows everything else points at. Returns the budget ids by target. */
export async function seedDirectory(pool: pg.Pool): Promise<Map<string, { id: string; period: 'day' | 'month' }>> {
  await insertRows(
    pool,
    'users',
    [
      ['id', 'text[]'],
      ['email', 'text[]'],
      ['name', 'text[]'],
      ['role', '"Role"[]'],
    ],
    [...APPROVERS.map((id) => [id, `${id}@example.test`, id.replace('approver-', 'Approver '), 'approver']), ['bench-admin', 'bench-admin@example.test', 'Bench Admin', 'admin']],
  );
  await insertRows(
    pool,
    'agents',
    [
      ['id', 'text[]'],
      ['name', 'text[]'],
      ['team', 'text[]'],
    ],
    AGENTS.map((a) => [a.id, a.id, a.team]),
  );
  // An array column cannot ride in unnest (it would flatten): one UPDATE gives every agent its tools.
  await pool.query(`UPDATE agents SET allowed_tools = ARRAY['payments.*', 'demo.*', 'shell.*', 'http.*', 'sql.*']`);
  const budgets = new Map<string, { id: string; period: 'day' | 'month' }>();
  const rows: unknown[][] = [];
  for (const agentId of BUDGETED_AGENTS) {
    const id = randomUUID();
    budgets.set(agentId, { id, period: 'day' });
    rows.push([id, 'agent', agentId, 'day', 'USD', '20000.00']);
  }
  for (const team of TEAMS) {
    const id = randomUUID();
    budgets.set(team, { id, period: 'month' });
    rows.push([id, 'team', team, 'month', 'USD', '500000.00']);
  }
  await insertRows(
    pool,
    'budgets',
    [
      ['id', 'text[]'],
      ['scope', '"GovernanceScope"[]'],
      ['target', 'text[]'],
      ['period', '"BudgetPeriod"[]'],
      ['currency', 'text[]'],
      ['limit_amount', 'numeric[]'],
    ],
    rows,
  );
  return budgets;
}

function actionRow(a: SeededAction): unknown[] {
  const updated = a.completedAt ?? a.approval?.createdAt ?? a.createdAt;
  return [
    a.id,
    a.agentId,
    a.tool,
    JSON.stringify(a.args),
    a.argsHash,
    `Routine ${a.tool} requested by ${a.agentId}`,
    a.id,
    a.tier,
    JSON.stringify([`tier ${a.tier} by policy`]),
    JSON.stringify(a.guardrailFlags),
    a.cost?.amount ?? null,
    a.status,
    a.completedAt === null ? null : JSON.stringify({ actionId: a.id, status: a.status }),
    `action-${a.id}`,
    iso(a.createdAt),
    iso(updated),
    iso(a.completedAt),
  ];
}

const byTime = <T>(rows: T[], time: (row: T) => number): T[] => [...rows].sort((x, y) => time(x) - time(y));

/**
 * Actions, approval rounds, decisions, reservations and budget usage, in batched
 * multi-row inserts. Each table is written in the order production writes it
 * (by time), so its physical order, and with it what a time-range scan reads,
 * matches a live database's.
 */
export async function seedHistory(pool: pg.Pool, data: DataSet, budgets: Map<string, { id: string; period: 'day' | 'month' }>): Promise<void> {
  await insertRows(
    pool,
    'actions',
    [
      ['id', 'text[]'],
      ['agent_id', 'text[]'],
      ['tool', 'text[]'],
      ['args', 'jsonb[]'],
      ['args_hash', 'text[]'],
      ['rationale', 'text[]'],
      ['idempotency_key', 'text[]'],
      ['risk_tier', '"RiskTier"[]'],
      ['risk_reasons', 'jsonb[]'],
      ['guardrail_flags', 'jsonb[]'],
      ['cost_estimate', 'numeric[]'],
      ['status', '"ActionStatus"[]'],
      ['outcome', 'jsonb[]'],
      ['workflow_id', 'text[]'],
      ['created_at', 'timestamptz[]'],
      ['updated_at', 'timestamptz[]'],
      ['completed_at', 'timestamptz[]'],
    ],
    byTime(data.actions, (a) => a.createdAt).map(actionRow),
  );
  const waited = byTime(data.actions, (a) => a.approval?.createdAt ?? 0).filter(
    (a): a is SeededAction & { approval: NonNullable<SeededAction['approval']> } => a.approval !== undefined,
  );
  await insertRows(
    pool,
    'approvals',
    [
      ['id', 'text[]'],
      ['action_id', 'text[]'],
      ['status', '"ApprovalStatus"[]'],
      ['required_approvals', 'int[]'],
      ['approver_role', '"Role"[]'],
      ['args_hash', 'text[]'],
      ['deadline', 'timestamptz[]'],
      ['timeout_outcome', 'text[]'],
      ['created_at', 'timestamptz[]'],
      ['closed_at', 'timestamptz[]'],
    ],
    waited.map((a) => [a.approval.id, a.id, a.approval.status, 1, 'approver', a.argsHash, iso(a.approval.deadline), 'deny', iso(a.approval.createdAt), iso(a.approval.closedAt)]),
  );
  await insertRows(
    pool,
    'approval_decisions',
    [
      ['id', 'text[]'],
      ['approval_id', 'text[]'],
      ['user_id', 'text[]'],
      ['channel', '"Channel"[]'],
      ['decision', '"DecisionKind"[]'],
      ['args_hash', 'text[]'],
      ['decided_at', 'timestamptz[]'],
    ],
    byTime(waited, (a) => a.approval.decision?.at ?? 0).flatMap((a) =>
      a.approval.decision
        ? [[a.approval.decision.id, a.approval.id, a.approval.decision.userId, a.approval.decision.channel, a.approval.decision.kind, a.argsHash, iso(a.approval.decision.at)]]
        : [],
    ),
  );
  // Like reserveBudget: one reservation per budget that covers the agent (its own, its team's).
  const reservations = byTime(data.actions, (a) => a.cost?.settledAt ?? 0).flatMap((a) => {
    if (!a.cost) return [];
    const cost = a.cost;
    return [budgets.get(a.agentId), budgets.get(a.team)].flatMap((b) =>
      b
        ? [
            [
              randomUUID(),
              b.id,
              a.id,
              b.period === 'day' ? day(a.createdAt) : month(a.createdAt),
              cost.amount,
              cost.state,
              cost.state === 'committed' ? cost.amount : null,
              iso(a.createdAt),
              iso(cost.settledAt),
            ],
          ]
        : [],
    );
  });
  await insertRows(
    pool,
    'budget_reservations',
    [
      ['id', 'text[]'],
      ['budget_id', 'text[]'],
      ['action_id', 'text[]'],
      ['period_start', 'date[]'],
      ['amount', 'numeric[]'],
      ['status', 'text[]'],
      ['actual_amount', 'numeric[]'],
      ['created_at', 'timestamptz[]'],
      ['updated_at', 'timestamptz[]'],
    ],
    reservations,
  );
  await pool.query(`
    INSERT INTO budget_usage (budget_id, period_start, reserved, spent)
    SELECT budget_id, period_start,
           coalesce(sum(amount) FILTER (WHERE status = 'reserved'), 0),
           coalesce(sum(actual_amount) FILTER (WHERE status = 'committed'), 0)
      FROM budget_reservations GROUP BY budget_id, period_start`);
}
