import { z } from 'zod';
import { OpsError } from '../errors.js';
import { RecordId } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { budgetAuditFields, lockBudget } from './budget-row.js';

export const DeleteBudgetInput = z.strictObject({ id: RecordId });

/**
 * Deletes a budget (admin) with its usage and settled reservations; what it had
 * counted is kept in the audit row. Refused while an action holds a reservation
 * on it: that action would settle against a budget that is gone.
 */
export const deleteBudget = defineUseCase({
  name: 'budget.delete',
  role: 'admin',
  input: DeleteBudgetInput,
  async write(tx, input) {
    const budget = await lockBudget(tx, input.id);
    const open = await tx.query<{ action_id: string }>("SELECT action_id FROM budget_reservations WHERE budget_id = $1 AND status = 'reserved' ORDER BY created_at LIMIT 5", [
      budget.id,
    ]);
    if (open.rows.length > 0) {
      const actions = open.rows.map((r) => r.action_id).join(', ');
      throw new OpsError('conflict', `budget ${budget.id} holds reservations of actions still in flight (${actions}); delete it once they finish`, [
        { path: 'id', message: 'has open reservations' },
      ]);
    }
    const usage = await tx.query<{ period_start: string; spent: string }>(
      "SELECT to_char(period_start, 'YYYY-MM-DD') AS period_start, spent::text FROM budget_usage WHERE budget_id = $1 ORDER BY period_start",
      [budget.id],
    );
    await tx.query('DELETE FROM budget_reservations WHERE budget_id = $1', [budget.id]);
    await tx.query('DELETE FROM budget_usage WHERE budget_id = $1', [budget.id]);
    await tx.query('DELETE FROM budgets WHERE id = $1', [budget.id]);
    return {
      result: { budgetId: budget.id },
      audit: { type: 'budget.deleted', payload: { ...budgetAuditFields(budget), spentByPeriod: Object.fromEntries(usage.rows.map((u) => [u.period_start, u.spent])) } },
    };
  },
});
