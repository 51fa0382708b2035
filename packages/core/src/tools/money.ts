import { z } from 'zod';

/** Money as a decimal string with at most two places: exact, never a float. */
export const MoneyAmount = z.string().regex(/^(0|[1-9]\d{0,11})(\.\d{1,2})?$/, 'a decimal amount like "125.50"');

/** Cents as a bigint, for exact comparisons. */
export function toCents(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}
