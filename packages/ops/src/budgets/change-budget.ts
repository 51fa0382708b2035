import { MoneyAmount } from '@airlock/core';
import { PositiveMoneyAmount, centsIfValid } from '@airlock/db';
import { z } from 'zod';
import { invalidField } from '../errors.js';
import { RecordId } from '../fields.js';
import { defineUseCase } from '../use-case.js';
import { BUDGET_COLUMNS, budgetAuditFields, lockBudget, toBudget } from './budget-row.js';

const ChangeBudgetFields = z.strictObject({
  id: RecordId,
  limit: PositiveMoneyAmount.optional(),
  /** `null` removes the threshold: spending up to the limit needs nobody. */
  approvalThreshold: MoneyAmount.nullable().optional(),
});
const namesAChange = (i: { limit?: unknown; approvalThreshold?: unknown }) => i.limit !== undefined || i.approvalThreshold !== undefined;
const NO_CHANGE = { message: 'name limit, approvalThreshold or both', path: ['limit'] };

export const ChangeBudgetInput = ChangeBudgetFields.refine(namesAChange, NO_CHANGE);
/** The changes alone, for a channel that names the budget elsewhere (REST: its path). */
export const ChangeBudgetChanges = ChangeBudgetFields.omit({ id: true }).refine(namesAChange, NO_CHANGE);

/**
 * Changes a budget's limit or approval threshold (admin). It applies to the next
 * reservation; what is already spent or reserved stays (a lower limit can leave
 * the remainder negative, and then new spending is refused). Audited with before and after.
 */
export const changeBudget = defineUseCase({
  name: 'budget.change',
  role: 'admin',
  input: ChangeBudgetInput,
  async write(tx, input) {
    const before = await lockBudget(tx, input.id);
    const limit = input.limit ?? before.limit;
    const threshold = input.approvalThreshold === undefined ? before.approvalThreshold : input.approvalThreshold;
    const thresholdCents = centsIfValid(threshold ?? undefined);
    if (thresholdCents !== null && thresholdCents >= (centsIfValid(limit) ?? 0n)) throw invalidField('approvalThreshold', `must be below the limit (${limit})`);
    const { rows } = await tx.query<Parameters<typeof toBudget>[0]>(
      `UPDATE budgets SET limit_amount = $2::numeric, approval_threshold = $3::numeric WHERE id = $1 RETURNING ${BUDGET_COLUMNS}`,
      [before.id, limit, threshold],
    );
    const after = toBudget(rows[0]!);
    return {
      result: after,
      audit: { type: 'budget.changed', payload: { ...budgetAuditFields(after), before: { limit: before.limit, approvalThreshold: before.approvalThreshold } } },
    };
  },
});
