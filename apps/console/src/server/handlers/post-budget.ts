import { BudgetExistsError, createBudget, listBudgets } from '@airlock/db';
import { authenticate, requireUser } from '../auth.js';
import type { ApiContext } from '../context.js';
import { ApiError, withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readJsonBody } from '../request.js';
import { BudgetBody } from '../schemas.js';
import { auditUserChange } from '../user-audit.js';
import { toBudgetView } from '../views.js';

/** POST /api/v1/budgets (admin): one cap per scope, target, period and currency; a second is a 409. Audited. */
export const postBudget = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  const admin = requireUser(await authenticate(request, ctx.db), 'admin');
  const body = await readJsonBody(request, BudgetBody);
  const budget = await createBudget(ctx.db, body).catch((error: unknown) => {
    if (error instanceof BudgetExistsError) throw new ApiError(409, 'already_exists', error.message);
    throw error;
  });
  await auditUserChange(ctx.db, admin.userId, {
    eventKey: `budget:${budget.id}:created`,
    type: 'budget.created',
    payload: {
      budgetId: budget.id,
      scope: budget.scope,
      target: budget.target,
      period: budget.period,
      currency: budget.currency,
      limit: budget.limit,
      approvalThreshold: budget.approvalThreshold,
    },
  });
  // Read back with the current period's usage, as the list shows it.
  const [created] = (await listBudgets(ctx.db, { scope: budget.scope, target: budget.target })).filter((b) => b.id === budget.id);
  if (!created) throw new Error(`budget ${budget.id} vanished after it was created`);
  return jsonResponse(toBudgetView(created), 201);
});
