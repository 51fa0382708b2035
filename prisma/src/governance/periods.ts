import { z } from 'zod';

export const BudgetPeriod = z.enum(['day', 'month']);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

/**
 * First day of the UTC day or month containing `at`, as "YYYY-MM-DD": the key
 * of a budget_usage row. Computed in UTC so no server or process time zone can
 * move a reservation into another period.
 */
export function periodStartOf(period: BudgetPeriod, at: Date): string {
  const day = period === 'day' ? at.getUTCDate() : 1;
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), day)).toISOString().slice(0, 10);
}
