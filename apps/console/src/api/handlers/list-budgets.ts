import { listBudgets } from '@airlock/db';
import { callerOf } from '../route-access.js';
import type { ApiContext } from '../context.js';
import { withErrors } from '../errors.js';
import { jsonResponse } from '../http.js';
import { readQuery } from '../request.js';
import { BudgetQuery, type BudgetList } from '../schemas.js';
import { toBudgetView } from '../views.js';

/** GET /api/v1/budgets?scope=&target=: every cap with what its current (UTC) period has spent, reserved and left. */
export const getBudgets = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  await callerOf(request, ctx.db, 'list-budgets#getBudgets');
  const { scope, target } = readQuery(request, BudgetQuery);
  const result: BudgetList = { budgets: (await listBudgets(ctx.db, { ...(scope ? { scope } : {}), ...(target ? { target } : {}) })).map(toBudgetView) };
  return jsonResponse(result);
});
