import { MoneyAmount, toCents } from '@airlock/core/money';
import { z } from 'zod';

/** ISO 4217 code; budgets and costs must spell it the same way to meet. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code like "USD"');

/** Cents of a valid amount, null otherwise: zod runs refinements even after a format check failed. */
export function centsIfValid(amount: string | undefined): bigint | null {
  return amount !== undefined && MoneyAmount.safeParse(amount).success ? toCents(amount) : null;
}

export const PositiveMoneyAmount = MoneyAmount.refine((amount) => (centsIfValid(amount) ?? 1n) > 0n, 'must be greater than zero');

/** Cents back to a two-place decimal string, exactly (bigint, never a float); keeps a sign if there is one. */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Exact cents of a NUMERIC(18,2) as node-postgres returns it: a string, possibly negative. */
export function centsOf(decimal: string): bigint {
  return decimal.startsWith('-') ? -toCents(decimal.slice(1)) : toCents(decimal);
}
