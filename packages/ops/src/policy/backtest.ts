import { builtinToolSpecs, demoToolSpecs, type RiskTier, type ToolSpec } from '@airlock/core';
import type { Db } from '@airlock/db';
import { Duration, isUnknownToolDenial, type CompiledPolicy } from '@airlock/policy';
import { z } from 'zod';
import { fromZodError, invalidField } from '../errors.js';
import { compileCandidate, PolicySourceName, PolicyText } from './candidate.js';
import {
  addAmounts,
  addToCurrency,
  approvalChange,
  approvalShift,
  approvalTermChanges,
  type ApprovalTerm,
  type ApprovalTermChange,
  type CurrencyAmount,
  type Decision,
  type Verdict,
} from './outcome-change.js';
import { compareRecorded, type UnknownRead } from './recorded-comparison.js';

// `airlock policy backtest` and the console's Backtest page: the recorded actions of a
// window classified again by the live policy and a candidate, and what would change.
// Reads only; records nothing.

/** Stored actions are dated within these years; a date outside them would fail in PostgreSQL (or in JavaScript) as a 500. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10_000, 0, 1) - 1;
const Instant = z.coerce
  .date()
  .refine((d) => !Number.isNaN(d.getTime()), 'must be a date')
  .refine((d) => Number.isNaN(d.getTime()) || (d.getTime() >= EARLIEST && d.getTime() <= LATEST), 'must be a date between 1970 and 9999');

export const BacktestInput = z.strictObject({
  candidate: PolicyText,
  source: PolicySourceName,
  /** "30d" (back from now) or an instant. */
  since: z.union([Duration, Instant], { error: 'a duration like "30d" or "12h", or a date' }),
  until: Instant.optional(),
  /** How many changed or uncertain actions to list (all are counted). */
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 5000' })
    .int('must be a whole number from 1 to 5000')
    .min(1, 'must be a whole number from 1 to 5000')
    .max(5_000, 'must be a whole number from 1 to 5000')
    .default(200),
});
export type BacktestInput = z.input<typeof BacktestInput>;

export interface BacktestRow {
  actionId: string;
  createdAt: string;
  tool: string;
  agentId: string;
  costEstimate: string | null;
  /** The estimate's currency (budgets are per currency): as reserved then, else the built-in tool's own estimate; null when neither says. */
  currency: string | null;
  /** What admission decided then, after guardrails, budgets, rate limits and standing approvals. */
  recorded: Decision | null;
  status: 'changed' | 'uncertain';
  live: Verdict;
  candidate: Verdict;
  /** The rules whose conditions read fields this record lacks (redacted, or signals not recorded). */
  unknownReads: UnknownRead[];
  /** Where both ask for an approval: the terms that differ (quorum, role, group, deadline...); empty otherwise. */
  approvalTerms: ApprovalTermChange[];
}

export interface Transition {
  from: Decision;
  to: Decision;
  count: number;
  /** Sum of the actions' cost estimates, whatever their currencies (see `amounts`). */
  amount: string;
  /** The same sum per currency. */
  amounts: CurrencyAmount[];
}

export interface ApprovalChangeTotal {
  count: number;
  /** Sum of the actions' cost estimates, whatever their currencies (see `amounts`). */
  amount: string;
  amounts: CurrencyAmount[];
}

/** Approvals that would be asked, dropped, or asked on other terms, with the money involved. */
export interface ApprovalTotals {
  /** The candidate asks for an approval the live policy did not. */
  newlyAsked: ApprovalChangeTotal;
  /** The live policy asked for an approval the candidate would not (allowed or denied outright). */
  noLongerAsked: ApprovalChangeTotal;
  /** Both ask; the candidate takes more to get the action through (a higher quorum or role, an approver group, one deny ending it, no approving at the deadline). */
  stricter: ApprovalChangeTotal;
  /** Both ask; the candidate takes less. */
  looser: ApprovalChangeTotal;
  /** Both ask on different terms, neither stricter nor looser as a whole: only the deadline, escalation or another group, or some terms each way. */
  otherChanges: ApprovalChangeTotal;
}

/** Actions whose approval, asked by both, changes one term (an action can count under several terms). */
export interface ApprovalTermShift {
  term: ApprovalTerm;
  from: string;
  to: string;
  count: number;
  amount: string;
  amounts: CurrencyAmount[];
}

const emptyTotal = (): ApprovalChangeTotal => ({ count: 0, amount: '0.00', amounts: [] });

export const emptyApprovalTotals = (): ApprovalTotals => ({
  newlyAsked: emptyTotal(),
  noLongerAsked: emptyTotal(),
  stricter: emptyTotal(),
  looser: emptyTotal(),
  otherChanges: emptyTotal(),
});

/**
 * Counts `count` actions (their summed cost estimate `amount`, in `currency`) whose approval changed
 * from `live` to `candidate`: asked, dropped, or asked on other terms (with each term that moved).
 */
export function countApprovalChange(
  totals: ApprovalTotals,
  termShifts: Map<string, ApprovalTermShift>,
  live: Pick<Verdict, 'decision' | 'approval'>,
  candidate: Pick<Verdict, 'decision' | 'approval'>,
  count: number,
  amount: string | null,
  currency: string | null,
): void {
  const add = (total: { count: number; amount: string; amounts: CurrencyAmount[] }) => {
    total.count += count;
    total.amount = addAmounts(total.amount, amount);
    addToCurrency(total.amounts, currency, amount);
  };
  const asked = approvalChange(live.decision, candidate.decision);
  if (asked) return add(asked === 'asked' ? totals.newlyAsked : totals.noLongerAsked);
  const terms = approvalTermChanges(live.approval, candidate.approval);
  const shift = approvalShift(terms);
  if (!shift) return;
  add(shift === 'stricter' ? totals.stricter : shift === 'looser' ? totals.looser : totals.otherChanges);
  for (const change of terms) {
    const key = JSON.stringify([change.term, change.from, change.to]);
    const entry = termShifts.get(key) ?? { term: change.term, from: change.from, to: change.to, count: 0, amount: '0.00', amounts: [] };
    add(entry);
    termShifts.set(key, entry);
  }
}

const termOrder: ApprovalTerm[] = ['quorum', 'role', 'group', 'denyEndsIt', 'deadline', 'timeout', 'escalation'];

/** Term shifts in the policy's order of the terms, the most common first within one. */
export const sortedTermShifts = (shifts: Map<string, ApprovalTermShift>) =>
  [...shifts.values()].sort((a, b) => termOrder.indexOf(a.term) - termOrder.indexOf(b.term) || b.count - a.count);

export interface BacktestReport {
  window: { since: string; until: string };
  live: { version: string; source: string };
  candidate: { version: string; source: string };
  /** Actions re-evaluated. */
  evaluated: number;
  same: number;
  changed: number;
  uncertain: number;
  /** Left out: unknown tools (denied whatever the policy) and actions whose agent is gone. */
  skipped: number;
  /** Actions that a policy version other than the live one classified at the time. */
  classifiedByOtherVersions: number;
  /** Certain decision changes (allow ↔ require_approval ↔ deny) with the money involved; a change in an approval's terms counts in `approvals`. */
  transitions: Transition[];
  /** Certain tier changes, with or without a decision change. */
  tierShifts: { from: RiskTier; to: RiskTier; count: number }[];
  approvals: ApprovalTotals;
  /** Where both ask for an approval on different terms: each term that moved (quorum 1 → 2, role approver → admin...). */
  approvalShifts: ApprovalTermShift[];
  /** Every rule that read a field some record lacks; `uncertain` counts the actions it left undecided. */
  unknownReads: { policy: UnknownRead['policy']; ruleId: string; fields: string[]; actions: number; uncertain: number }[];
  rows: BacktestRow[];
  /** More changed or uncertain actions than `limit`: counted above, not listed. */
  truncated: boolean;
}

interface ActionRowSql {
  id: string;
  agent_id: string;
  tool: string;
  args: Record<string, unknown>;
  rationale: string;
  signals: Record<string, unknown> | null;
  cost_estimate: string | null;
  reserved_currency: string | null;
  created_at: Date;
  policy_version: string | null;
  team: string | null;
  owner_id: string | null;
  allowed_tools: string[] | null;
  classified: { decision?: Decision; reasons?: string[] } | null;
}

const BATCH = 1_000;

/**
 * Classifies every action recorded in the window with `live` and the candidate,
 * in pages (constant memory), and sums up what would change. The decision
 * compared is the policy's own (before guardrails, rate limits, budgets and
 * standing approvals); the recorded decision is shown beside it.
 */
export async function backtestPolicy(db: Db, live: CompiledPolicy, raw: BacktestInput | Record<string, unknown>, now = new Date()): Promise<BacktestReport> {
  const parsed = BacktestInput.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw fromZodError(parsed.error);
  const input = parsed.data;
  const candidate = compileCandidate(input.candidate, input.source);
  const since = typeof input.since === 'number' ? new Date(now.getTime() - input.since) : input.since;
  const until = input.until ?? now;
  // A reversed window holds nothing: said, not reported as "0 actions re-evaluated".
  if (since.getTime() >= until.getTime()) {
    throw invalidField('since', `${since.toISOString()} is not before the window's end, ${until.toISOString()}${input.until ? '' : ' (now)'}`);
  }

  const report: BacktestReport = {
    window: { since: since.toISOString(), until: until.toISOString() },
    live: { version: live.version, source: live.source },
    candidate: { version: candidate.version, source: candidate.source },
    evaluated: 0,
    same: 0,
    changed: 0,
    uncertain: 0,
    skipped: 0,
    classifiedByOtherVersions: 0,
    transitions: [],
    tierShifts: [],
    approvals: emptyApprovalTotals(),
    approvalShifts: [],
    unknownReads: [],
    rows: [],
    truncated: false,
  };
  const transitions = new Map<string, Transition>();
  const tierShifts = new Map<string, { from: RiskTier; to: RiskTier; count: number }>();
  const reads = new Map<string, BacktestReport['unknownReads'][number]>();
  const termShifts = new Map<string, ApprovalTermShift>();

  let after: { at: Date; id: string } | null = null;
  for (;;) {
    const page: { rows: ActionRowSql[] } = await db.pool.query<ActionRowSql>(
      `SELECT a.id, a.agent_id, a.tool, a.args, a.rationale, a.signals, a.cost_estimate::text AS cost_estimate, r.reserved_currency, a.created_at, a.policy_version,
              ag.team, ag.owner_id, ag.allowed_tools, c.payload AS classified
         FROM actions a
         LEFT JOIN agents ag ON ag.id = a.agent_id
         LEFT JOIN LATERAL (SELECT payload FROM audit_events e WHERE e.action_id = a.id AND e.type = 'action.classified' ORDER BY e.seq LIMIT 1) c ON true
         LEFT JOIN LATERAL (SELECT payload->>'currency' AS reserved_currency FROM audit_events e WHERE e.action_id = a.id AND e.type = 'budget.reserved' ORDER BY e.seq LIMIT 1) r ON true
        WHERE a.created_at >= $1 AND a.created_at < $2 AND ($3::timestamptz IS NULL OR (a.created_at, a.id) > ($3::timestamptz, $4::text))
        ORDER BY a.created_at, a.id
        LIMIT ${BATCH}`,
      [since, until, after?.at ?? null, after?.id ?? null],
    );
    for (const row of page.rows) visit(row);
    if (page.rows.length < BATCH) break;
    const last: ActionRowSql = page.rows.at(-1)!;
    after = { at: last.created_at, id: last.id };
  }
  report.transitions = [...transitions.values()].sort((a, b) => b.count - a.count);
  report.tierShifts = [...tierShifts.values()].sort((a, b) => b.count - a.count);
  report.approvalShifts = sortedTermShifts(termShifts);
  report.unknownReads = [...reads.values()].sort((a, b) => b.uncertain - a.uncertain || b.actions - a.actions);
  return report;

  function visit(row: ActionRowSql): void {
    const recorded = row.classified?.decision ?? null;
    if (row.team === null || (row.classified && isUnknownToolDenial({ decision: recorded ?? 'deny', reasons: row.classified.reasons ?? [] }))) {
      report.skipped++;
      return;
    }
    report.evaluated++;
    if (row.policy_version !== null && row.policy_version !== live.version) report.classifiedByOtherVersions++;
    const comparison = compareRecorded(live, candidate, {
      tool: row.tool,
      args: row.args,
      rationale: row.rationale,
      signals: row.signals,
      agent: { id: row.agent_id, team: row.team, owner: row.owner_id, allowedTools: row.allowed_tools ?? [] },
    });
    const actionsByRead = new Set<string>();
    for (const read of comparison.unknownReads) {
      const key = `${read.policy}:${read.ruleId}`;
      const entry = reads.get(key) ?? { policy: read.policy, ruleId: read.ruleId, fields: [], actions: 0, uncertain: 0 };
      // Field names, not per-record indexes: `args.items.3.email` reads as `args.items.*.email`.
      for (const field of read.fields.map((f) => f.replace(/\.\d+(?=\.|$)/g, '.*'))) if (!entry.fields.includes(field)) entry.fields.push(field);
      if (!actionsByRead.has(key)) {
        actionsByRead.add(key);
        entry.actions++;
        if (comparison.status === 'uncertain') entry.uncertain++;
      }
      reads.set(key, entry);
    }
    report[comparison.status]++;
    if (comparison.status === 'same') return;
    const currency = row.cost_estimate === null ? null : (row.reserved_currency ?? builtinCostCurrency(row.tool, row.args));
    if (report.rows.length < input.limit) {
      report.rows.push({
        actionId: row.id,
        createdAt: row.created_at.toISOString(),
        tool: row.tool,
        agentId: row.agent_id,
        costEstimate: row.cost_estimate,
        currency,
        recorded,
        status: comparison.status,
        live: comparison.live,
        candidate: comparison.candidate,
        unknownReads: comparison.unknownReads,
        approvalTerms: approvalTermChanges(comparison.live.approval, comparison.candidate.approval),
      });
    } else report.truncated = true;
    if (comparison.status === 'uncertain') return;
    const { live: l, candidate: c } = comparison;
    if (l.decision !== c.decision) {
      const key = `${l.decision}>${c.decision}`;
      const t = transitions.get(key) ?? { from: l.decision, to: c.decision, count: 0, amount: '0.00', amounts: [] };
      t.count++;
      t.amount = addAmounts(t.amount, row.cost_estimate);
      addToCurrency(t.amounts, currency, row.cost_estimate);
      transitions.set(key, t);
    }
    if (l.tier !== c.tier) {
      const key = `${l.tier}>${c.tier}`;
      const s = tierShifts.get(key) ?? { from: l.tier, to: c.tier, count: 0 };
      s.count++;
      tierShifts.set(key, s);
    }
    countApprovalChange(report.approvals, termShifts, l, c, 1, row.cost_estimate, currency);
  }
}

const builtinSpecs = new Map<string, ToolSpec>([...demoToolSpecs, ...builtinToolSpecs].map((spec) => [spec.name, spec]));

/**
 * An action that reserved nothing (denied first, or no budget in its currency) recorded only its
 * amount: a built-in tool's own estimate of the stored arguments names the currency again.
 */
function builtinCostCurrency(tool: string, args: Record<string, unknown>): string | null {
  const spec = builtinSpecs.get(tool);
  const parsed = spec?.args.safeParse(args);
  return parsed?.success ? (spec?.cost?.(parsed.data)?.currency ?? null) : null;
}
