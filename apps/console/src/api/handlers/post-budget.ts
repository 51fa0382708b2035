import { listBudgets } from '@airlock/db';
import { createBudget, runUseCase } from '@airlock/ops';
import { operatorOf } from '../auth.js';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonValue } from '../request.js';
import { toBudgetView } from '../views.js';

/** POST /api/v1/budgets (admin): one cap per scope, target, period and currency; a second is a 409 (change that one). Audited. */
export const postBudget = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const operator = operatorOf(await callerOf(request, ctx.db, 'post-budget#postBudget'));
  const budget = await runUseCase(ctx, operator, createBudget, await readJsonValue(request));
  // Read back with the current period's usage, as the list shows it.
  const [created] = (await listBudgets(ctx.db, { scope: budget.scope, target: budget.target })).filter((b) => b.id === budget.id);
  if (!created) throw new Error(`budget ${budget.id} vanished after it was created`);
  return jsonResponse(toBudgetView(created), 201);
});
