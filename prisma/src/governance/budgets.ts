import { randomUUID } from 'node:crypto';
import { MoneyAmount } from '@airlock/core/money';
import { z } from 'zod';
import type { Db } from '../client.js';
import { Currency, PositiveMoneyAmount, centsIfValid } from './money.js';
import { BudgetPeriod, periodStartOf } from './periods.js';
import { GovernanceScope, Target, targetMatchesScope, targetScopeIssue } from './scope.js';
import { sqlState } from './transaction.js';

/** A spending cap per scope, period and currency. Amounts are decimal strings, exact. */
export const NewBudget = z
  .strictObject({
    scope: GovernanceScope,
    target: Target,
    period: BudgetPeriod,
    currency: Currency,
    limit: PositiveMoneyAmount,
    approvalThreshold: MoneyAmount.optional(),
  })
  .refine(targetMatchesScope, targetScopeIssue)
  // At or above the limit the threshold could never be crossed: the limit refuses first.
  .refine(
    (b) => {
      const threshold = centsIfValid(b.approvalThreshold);
      const limit = centsIfValid(b.limit);
      return threshold === null || limit === null || threshold < limit;
    },
    { message: 'must be below the limit', path: ['approvalThreshold'] },
  );
export type NewBudget = z.input<typeof NewBudget>;

export interface Budget {
  id: string;
  scope: GovernanceScope;
  target: string;
  period: BudgetPeriod;
  currency: string;
  limit: string;
  approvalThreshold: string | null;
  createdAt: Date;
}

/** A budget with the usage of the period containing the `at` it was read for. */
export interface BudgetWithUsage extends Budget {
  periodStart: string;
  spent: string;
  reserved: string;
  /** limit - spent - reserved; negative after an overspend or a lowered limit. */
  remaining: string;
}

export class BudgetExistsError extends Error {
  constructor(budget: { scope: string; target: string; period: string; currency: string }) {
    super(`a ${budget.period} ${budget.currency} budget for ${budget.scope}/${budget.target} already exists`);
    this.name = 'BudgetExistsError';
  }
}

/** A budgets row as PostgreSQL returns it (snake_case), for every layer that selects budget columns. */
export interface BudgetRow {
  id: string;
  scope: GovernanceScope;
  target: string;
  period: BudgetPeriod;
  currency: string;
  limit_amount: string;
  approval_threshold: string | null;
  created_at: Date;
}

const BUDGET_COLUMNS = 'b.id, b.scope, b.target, b.period, b.currency, b.limit_amount, b.approval_threshold, b.created_at';

export function toBudget(row: BudgetRow): Budget {
  return {
    id: row.id,
    scope: row.scope,
    target: row.target,
    period: row.period,
    currency: row.currency,
    limit: row.limit_amount,
    approvalThreshold: row.approval_threshold,
    createdAt: row.created_at,
  };
}

export async function createBudget(db: Db, input: NewBudget): Promise<Budget> {
  const budget = NewBudget.parse(input);
  try {
    const { rows } = await db.pool.query<BudgetRow>(
      `INSERT INTO budgets AS b (id, scope, target, period, currency, limit_amount, approval_threshold)
       VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric) RETURNING ${BUDGET_COLUMNS}`,
      [randomUUID(), budget.scope, budget.target, budget.period, budget.currency, budget.limit, budget.approvalThreshold ?? null],
    );
    return toBudget(rows[0]!);
  } catch (error) {
    if (sqlState(error) === '23505') throw new BudgetExistsError(budget);
    throw error;
  }
}

export const BudgetFilter = z.object({
  scope: GovernanceScope.optional(),
  target: z.string().min(1).optional(),
  at: z.date().optional(),
});
export type BudgetFilter = z.input<typeof BudgetFilter>;

/** Budgets with the spent / reserved / remaining of the period containing `at` (default: now). */
export async function listBudgets(db: Db, filter: BudgetFilter = {}): Promise<BudgetWithUsage[]> {
  const { scope, target, at = new Date() } = BudgetFilter.parse(filter);
  const { rows } = await db.pool.query<BudgetRow & { period_start: string; spent: string; reserved: string; remaining: string }>(
    `SELECT ${BUDGET_COLUMNS}, to_char(p.period_start, 'YYYY-MM-DD') AS period_start,
            COALESCE(u.spent, 0)::numeric(18, 2) AS spent,
            COALESCE(u.reserved, 0)::numeric(18, 2) AS reserved,
            (b.limit_amount - COALESCE(u.spent, 0) - COALESCE(u.reserved, 0))::numeric(18, 2) AS remaining
       FROM budgets b
      CROSS JOIN LATERAL (SELECT CASE b.period WHEN 'day' THEN $1::date ELSE $2::date END AS period_start) p
       LEFT JOIN budget_usage u ON u.budget_id = b.id AND u.period_start = p.period_start
      WHERE ($3::"GovernanceScope" IS NULL OR b.scope = $3) AND ($4::text IS NULL OR b.target = $4)
      ORDER BY b.scope, b.target, b.period, b.currency`,
    [periodStartOf('day', at), periodStartOf('month', at), scope ?? null, target ?? null],
  );
  return rows.map((row) => ({
    ...toBudget(row),
    periodStart: row.period_start,
    spent: row.spent,
    reserved: row.reserved,
    remaining: row.remaining,
  }));
}
