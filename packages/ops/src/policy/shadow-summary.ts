import type { RiskTier } from '@airlock/core';
import type { Db } from '@airlock/db';
import { approvalChange, addAmounts, addToCurrency, type Decision } from './outcome-change.js';
import { readShadowPolicy, type ShadowPolicyRecord } from './shadow-policy.js';
import type { ApprovalChangeTotal, Transition } from './backtest.js';

export interface ShadowDifferenceRecord {
  actionId: string;
  tool: string;
  agentId: string;
  at: string;
  liveVersion: string | null;
  live: { decision: Decision; tier: RiskTier; rules: string[] };
  /** Null when the shadow evaluation failed (`error`). */
  shadow: { decision: Decision; tier: RiskTier; rules: string[] } | null;
  error: string | null;
  costEstimate: string | null;
  currency: string | null;
}

export interface ShadowSummary {
  /** The candidate in shadow now; null when none is set. */
  shadow: Omit<ShadowPolicyRecord, 'text'> | null;
  /** The version summarised: the one in shadow, else the last one that recorded anything. */
  version: string | null;
  /** Actions admitted since the candidate was set (each was evaluated by both, as workers picked it up). */
  admittedSince: number | null;
  differences: number;
  failures: number;
  transitions: Transition[];
  tierShifts: { from: RiskTier; to: RiskTier; count: number }[];
  approvals: { newlyAsked: ApprovalChangeTotal; noLongerAsked: ApprovalChangeTotal };
  /** The most recent differences and failures, newest first. */
  recent: ShadowDifferenceRecord[];
}

interface DifferenceRowSql {
  action_id: string;
  tool: string;
  agent_id: string;
  created_at: Date;
  live_version: string | null;
  live_decision: Decision;
  live_tier: RiskTier;
  live_rules: string[];
  shadow_decision: Decision | null;
  shadow_tier: RiskTier | null;
  shadow_rules: string[];
  error: string | null;
  cost_estimate: string | null;
  currency: string | null;
}

/** What shadow mode has seen for the current (or last) candidate: totals over every recorded difference, and the latest ones. */
export async function shadowSummary(db: Db, options: { version?: string; recent?: number } = {}): Promise<ShadowSummary> {
  const shadow = await readShadowPolicy(db);
  const version = options.version ?? shadow?.version ?? (await lastRecordedVersion(db));
  const summary: ShadowSummary = {
    shadow: shadow ? { version: shadow.version, source: shadow.source, setBy: shadow.setBy, setAt: shadow.setAt } : null,
    version,
    admittedSince: null,
    differences: 0,
    failures: 0,
    transitions: [],
    tierShifts: [],
    approvals: { newlyAsked: { count: 0, amount: '0.00', amounts: [] }, noLongerAsked: { count: 0, amount: '0.00', amounts: [] } },
    recent: [],
  };
  if (shadow && shadow.version === version) {
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM actions WHERE created_at >= $1', [shadow.setAt]);
    summary.admittedSince = Number(rows[0]?.n ?? 0);
  }
  if (version === null) return summary;

  const counts = await db.pool.query<{
    live_decision: Decision;
    live_tier: RiskTier;
    shadow_decision: Decision | null;
    shadow_tier: RiskTier | null;
    currency: string | null;
    n: string;
    amount: string | null;
  }>(
    `SELECT live_decision, live_tier, shadow_decision, shadow_tier, currency, count(*)::text AS n, sum(cost_estimate)::text AS amount
       FROM shadow_differences WHERE shadow_version = $1 GROUP BY 1, 2, 3, 4, 5`,
    [version],
  );
  const transitions = new Map<string, Transition>();
  const tierShifts = new Map<string, { from: RiskTier; to: RiskTier; count: number }>();
  for (const row of counts.rows) {
    const n = Number(row.n);
    if (row.shadow_decision === null || row.shadow_tier === null) {
      summary.failures += n;
      continue;
    }
    summary.differences += n;
    if (row.live_decision !== row.shadow_decision) {
      const key = `${row.live_decision}>${row.shadow_decision}`;
      const t = transitions.get(key) ?? { from: row.live_decision, to: row.shadow_decision, count: 0, amount: '0.00', amounts: [] };
      t.count += n;
      t.amount = addAmounts(t.amount, row.amount);
      addToCurrency(t.amounts, row.currency, row.amount);
      transitions.set(key, t);
    }
    if (row.live_tier !== row.shadow_tier) {
      const key = `${row.live_tier}>${row.shadow_tier}`;
      const s = tierShifts.get(key) ?? { from: row.live_tier, to: row.shadow_tier, count: 0 };
      s.count += n;
      tierShifts.set(key, s);
    }
    const approval = approvalChange(row.live_decision, row.shadow_decision);
    if (approval) {
      const bucket = approval === 'asked' ? summary.approvals.newlyAsked : summary.approvals.noLongerAsked;
      bucket.count += n;
      bucket.amount = addAmounts(bucket.amount, row.amount);
      addToCurrency(bucket.amounts, row.currency, row.amount);
    }
  }
  summary.transitions = [...transitions.values()].sort((a, b) => b.count - a.count);
  summary.tierShifts = [...tierShifts.values()].sort((a, b) => b.count - a.count);

  const recent = await db.pool.query<DifferenceRowSql>(
    `SELECT action_id, tool, agent_id, created_at, live_version, live_decision, live_tier, live_rules, shadow_decision, shadow_tier, shadow_rules,
            error, cost_estimate::text AS cost_estimate, currency
       FROM shadow_differences WHERE shadow_version = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [version, options.recent ?? 50],
  );
  summary.recent = recent.rows.map((r) => ({
    actionId: r.action_id,
    tool: r.tool,
    agentId: r.agent_id,
    at: r.created_at.toISOString(),
    liveVersion: r.live_version,
    live: { decision: r.live_decision, tier: r.live_tier, rules: r.live_rules },
    shadow: r.shadow_decision && r.shadow_tier ? { decision: r.shadow_decision, tier: r.shadow_tier, rules: r.shadow_rules } : null,
    error: r.error,
    costEstimate: r.cost_estimate,
    currency: r.currency,
  }));
  return summary;
}

async function lastRecordedVersion(db: Db): Promise<string | null> {
  const { rows } = await db.pool.query<{ shadow_version: string }>('SELECT shadow_version FROM shadow_differences ORDER BY id DESC LIMIT 1');
  return rows[0]?.shadow_version ?? null;
}
