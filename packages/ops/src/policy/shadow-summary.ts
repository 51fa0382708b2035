import type { ApprovalRequirement } from '@airlock/core/action';
import type { RiskTier } from '@airlock/core/risk';
import type { Db } from '@airlock/db';
import { addAmounts, addToCurrency, approvalTermChanges, type ApprovalTermChange, type Decision, type Verdict } from './outcome-change.js';
import { readShadowPolicy, type ShadowPolicyRecord } from './shadow-policy.js';
import { countApprovalChange, emptyApprovalTotals, sortedTermShifts, type ApprovalTermShift, type ApprovalTotals, type Transition } from './backtest.js';

export interface ShadowDifferenceRecord {
  actionId: string;
  tool: string;
  agentId: string;
  at: string;
  liveVersion: string | null;
  /** `approval` null also on differences recorded before approvals were (their terms were not compared). */
  live: Verdict;
  /** Null when the shadow evaluation failed (`error`). */
  shadow: Verdict | null;
  error: string | null;
  costEstimate: string | null;
  currency: string | null;
  /** Where both ask for an approval: the terms that differ (quorum, role, group, deadline...). */
  approvalTerms: ApprovalTermChange[];
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
  approvals: ApprovalTotals;
  /** Where both ask for an approval on different terms: each term that moved. */
  approvalShifts: ApprovalTermShift[];
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
  live_approval: ApprovalRequirement | null;
  shadow_decision: Decision | null;
  shadow_tier: RiskTier | null;
  shadow_rules: string[];
  shadow_approval: ApprovalRequirement | null;
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
    approvals: emptyApprovalTotals(),
    approvalShifts: [],
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
    live_approval: ApprovalRequirement | null;
    shadow_decision: Decision | null;
    shadow_tier: RiskTier | null;
    shadow_approval: ApprovalRequirement | null;
    currency: string | null;
    n: string;
    amount: string | null;
  }>(
    `SELECT live_decision, live_tier, live_approval, shadow_decision, shadow_tier, shadow_approval, currency, count(*)::text AS n, sum(cost_estimate)::text AS amount
       FROM shadow_differences WHERE shadow_version = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    [version],
  );
  const transitions = new Map<string, Transition>();
  const tierShifts = new Map<string, { from: RiskTier; to: RiskTier; count: number }>();
  const termShifts = new Map<string, ApprovalTermShift>();
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
    countApprovalChange(
      summary.approvals,
      termShifts,
      { decision: row.live_decision, approval: row.live_approval },
      { decision: row.shadow_decision, approval: row.shadow_approval },
      n,
      row.amount,
      row.currency,
    );
  }
  summary.transitions = [...transitions.values()].sort((a, b) => b.count - a.count);
  summary.tierShifts = [...tierShifts.values()].sort((a, b) => b.count - a.count);
  summary.approvalShifts = sortedTermShifts(termShifts);

  const recent = await db.pool.query<DifferenceRowSql>(
    `SELECT action_id, tool, agent_id, created_at, live_version, live_decision, live_tier, live_rules, live_approval, shadow_decision, shadow_tier, shadow_rules,
            shadow_approval, error, cost_estimate::text AS cost_estimate, currency
       FROM shadow_differences WHERE shadow_version = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [version, options.recent ?? 50],
  );
  summary.recent = recent.rows.map((r) => ({
    actionId: r.action_id,
    tool: r.tool,
    agentId: r.agent_id,
    at: r.created_at.toISOString(),
    liveVersion: r.live_version,
    live: { decision: r.live_decision, tier: r.live_tier, rules: r.live_rules, approval: r.live_approval },
    shadow: r.shadow_decision && r.shadow_tier ? { decision: r.shadow_decision, tier: r.shadow_tier, rules: r.shadow_rules, approval: r.shadow_approval } : null,
    error: r.error,
    costEstimate: r.cost_estimate,
    currency: r.currency,
    approvalTerms: r.shadow_decision ? approvalTermChanges(r.live_approval, r.shadow_approval) : [],
  }));
  return summary;
}

async function lastRecordedVersion(db: Db): Promise<string | null> {
  const { rows } = await db.pool.query<{ shadow_version: string }>('SELECT shadow_version FROM shadow_differences ORDER BY id DESC LIMIT 1');
  return rows[0]?.shadow_version ?? null;
}
