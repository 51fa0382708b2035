import type { ApprovalRequirement, Classification } from '@airlock/core/action';
import { roleAtLeast, type RiskTier } from '@airlock/core/risk';

// How two classifications of one action compare: the words backtest and shadow mode share.

export type Decision = Classification['decision'];

export interface Verdict {
  decision: Decision;
  tier: RiskTier;
  rules: string[];
  /** Who and how many must approve (quorum, role, group, deadline...): null unless the decision is require_approval. */
  approval: ApprovalRequirement | null;
}

export const verdictOf = (c: Classification): Verdict => ({
  decision: c.decision,
  tier: c.tier,
  rules: c.matchedRules ?? [],
  approval: c.decision === 'require_approval' ? c.approval : null,
});

/** A difference worth reporting: the decision or the tier moved, or both ask for an approval on different terms. */
export function differs(live: Pick<Verdict, 'decision' | 'tier' | 'approval'>, candidate: Pick<Verdict, 'decision' | 'tier' | 'approval'>): boolean {
  return live.decision !== candidate.decision || live.tier !== candidate.tier || approvalTermChanges(live.approval, candidate.approval).length > 0;
}

/** The policy's words for an approval block's fields (schema.ts `ApprovalSpec`): what people must do to approve. */
export type ApprovalTerm = 'quorum' | 'role' | 'group' | 'denyEndsIt' | 'deadline' | 'timeout' | 'escalation';

/**
 * One approval term that differs where both policies ask for an approval. `from`/`to` as the policy
 * writes them ("2", "admin", "4h", "none"); `direction` says whether it takes more (`stricter`) or
 * less (`looser`) to get the action through, null where that depends (a deadline, another group).
 */
export interface ApprovalTermChange {
  term: ApprovalTerm;
  from: string;
  to: string;
  direction: 'stricter' | 'looser' | null;
}

/** How an approval asked by both changed as a whole: every directed term one way, else `other` (undirected terms only, or some each way). */
export type ApprovalShift = 'stricter' | 'looser' | 'other';

const durationUnits = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
] as const;

/** Milliseconds as the policy writes a duration ("4h", "90m"). */
export function durationText(ms: number): string {
  for (const [unit, size] of durationUnits) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const escalationText = (steps: ApprovalRequirement['escalation']) =>
  steps.length === 0 ? 'none' : steps.map((step) => `after ${durationText(step.afterMs)} to ${step.to}`).join(', ');

/**
 * The terms on which two approval requirements differ (none when either side asks for no approval:
 * that is a decision change). Quorum, role, group and deny-ends-it change who or how many decide;
 * the deadline, what happens at it, and the escalation change how long they have and who joins.
 */
export function approvalTermChanges(live: ApprovalRequirement | null, candidate: ApprovalRequirement | null): ApprovalTermChange[] {
  if (!live || !candidate) return [];
  const changes: ApprovalTermChange[] = [];
  const add = (term: ApprovalTerm, from: string, to: string, direction: ApprovalTermChange['direction']) => {
    if (from !== to) changes.push({ term, from, to, direction });
  };
  const { requiredApprovals: q1, approverRole: r1, approverGroup: g1 } = live;
  const { requiredApprovals: q2, approverRole: r2, approverGroup: g2 } = candidate;
  add('quorum', String(q1), String(q2), q2 > q1 ? 'stricter' : 'looser');
  // A higher role is fewer people who may approve.
  add('role', r1, r2, roleAtLeast(r2, r1) ? 'stricter' : 'looser');
  // A group narrows who may approve; another group is neither.
  add('group', g1 ?? 'none', g2 ?? 'none', g1 === undefined ? 'stricter' : g2 === undefined ? 'looser' : null);
  // One deny ending it gives any approver a veto.
  add('denyEndsIt', String(live.denyEndsIt), String(candidate.denyEndsIt), candidate.denyEndsIt ? 'stricter' : 'looser');
  // Shorter or longer is stricter or looser only with what happens at the deadline: not said.
  add('deadline', durationText(live.timeoutMs), durationText(candidate.timeoutMs), null);
  // Approving at the deadline lets the action through with nobody deciding.
  add('timeout', live.timeoutOutcome, candidate.timeoutOutcome, candidate.timeoutOutcome === 'approve' ? 'looser' : live.timeoutOutcome === 'approve' ? 'stricter' : null);
  add('escalation', escalationText(live.escalation), escalationText(candidate.escalation), null);
  return changes;
}

/** The whole change, from its terms (null when there are none). */
export function approvalShift(changes: ApprovalTermChange[]): ApprovalShift | null {
  if (changes.length === 0) return null;
  const directions = new Set(changes.flatMap((c) => (c.direction ? [c.direction] : [])));
  return directions.size === 1 ? [...directions][0]! : 'other';
}

/** How a verdict's approval reads in one line: "2 × approver", "1 × admin (finance)". */
export function approvalText(approval: ApprovalRequirement): string {
  return `${approval.requiredApprovals} × ${approval.approverRole}${approval.approverGroup ? ` (${approval.approverGroup})` : ''}`;
}

/** An approval the candidate would ask for where the live policy did not (`asked`), or would no longer ask for (`dropped`). */
export function approvalChange(live: Decision, candidate: Decision): 'asked' | 'dropped' | null {
  if (live !== 'require_approval' && candidate === 'require_approval') return 'asked';
  if (live === 'require_approval' && candidate !== 'require_approval') return 'dropped';
  return null;
}

/** A sum of cost estimates in one currency; `currency` null where the records do not say which. */
export interface CurrencyAmount {
  currency: string | null;
  amount: string;
}

/** Adds an estimate to its currency's sum (budgets are per currency: amounts in different ones are never added together). */
export function addToCurrency(sums: CurrencyAmount[], currency: string | null, amount: string | null): void {
  if (amount === null) return;
  const sum = sums.find((s) => s.currency === currency);
  if (sum) sum.amount = addAmounts(sum.amount, amount);
  else sums.push({ currency, amount: addAmounts('0.00', amount) });
}

/** Exact sums of decimal amounts (cost estimates), as strings with two decimals. */
export function addAmounts(a: string, b: string | null): string {
  if (b === null) return a;
  const cents = toCentsSigned(a) + toCentsSigned(b);
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

function toCentsSigned(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const cents = BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
  return negative ? -cents : cents;
}
