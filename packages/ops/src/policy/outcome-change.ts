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
