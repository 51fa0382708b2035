import { listBudgets } from '@airlock/db';
import { changeBudget, deleteBudget, runUseCase } from '@airlock/ops';
import { operatorRoute } from '../../operator-route.js';
import { withPathKey } from '../../path-key.js';
import { toBudgetView } from '../../views.js';

/** PATCH /api/v1/budgets/:id (admin): a new limit or approval threshold (null removes it). */
export const patchBudget = operatorRoute<{ id: string }>('management/budgets#patchBudget', async (ctx, operator, body, { id }) => {
  const budget = await runUseCase(ctx, operator, changeBudget, withPathKey(body, 'id', id));
  const [changed] = (await listBudgets(ctx.db, { scope: budget.scope, target: budget.target })).filter((b) => b.id === budget.id);
  if (!changed) throw new Error(`budget ${budget.id} vanished after it was changed`);
  return toBudgetView(changed);
});

/** DELETE /api/v1/budgets/:id (admin): refused (409) while an action in flight holds a reservation on it. */
export const deleteBudgetRoute = operatorRoute<{ id: string }>(
  'management/budgets#deleteBudgetRoute',
  (ctx, operator, _body, { id }) => runUseCase(ctx, operator, deleteBudget, { id }),
  { body: false },
);
