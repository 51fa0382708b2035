import type { Classification, RiskTier } from '@airlock/core';

// How two classifications of one action compare: the words backtest and shadow mode share.

export type Decision = Classification['decision'];

export interface Verdict {
  decision: Decision;
  tier: RiskTier;
  rules: string[];
}

export const verdictOf = (c: Classification): Verdict => ({ decision: c.decision, tier: c.tier, rules: c.matchedRules ?? [] });

/** A difference worth reporting: the decision or the tier moved. */
export function differs(live: Pick<Verdict, 'decision' | 'tier'>, candidate: Pick<Verdict, 'decision' | 'tier'>): boolean {
  return live.decision !== candidate.decision || live.tier !== candidate.tier;
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
