import { getBudgets } from '../../../../src/api/handlers/list-budgets.js';
import { postBudget } from '../../../../src/api/handlers/post-budget.js';
import { methodsNotAllowed, nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getBudgets);
export const POST = nextRoute(postBudget);
export const { PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET, POST });
