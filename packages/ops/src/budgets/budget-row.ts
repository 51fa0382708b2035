import type { AuditPayloadInput } from '@airlock/core';
import { toBudget, type Budget, type BudgetRow } from '@airlock/db';
import type pg from 'pg';
import { notFound } from '../errors.js';

export { toBudget };

export const BUDGET_COLUMNS = 'id, scope, target, period, currency, limit_amount, approval_threshold, created_at';

export async function lockBudget(tx: pg.PoolClient, id: string): Promise<Budget> {
  const { rows } = await tx.query<BudgetRow>(`SELECT ${BUDGET_COLUMNS} FROM budgets WHERE id = $1 FOR UPDATE`, [id]);
  if (!rows[0]) throw notFound(`no budget "${id}"`, 'id');
  return toBudget(rows[0]);
}

/** The fields every budget audit row carries. */
export function budgetAuditFields(b: Budget): AuditPayloadInput<'budget.created'> {
  return { budgetId: b.id, scope: b.scope, target: b.target, period: b.period, currency: b.currency, limit: b.limit, approvalThreshold: b.approvalThreshold };
}
