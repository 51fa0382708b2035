import { getBudgets } from '../../../../src/server/handlers/list-budgets.js';
import { postBudget } from '../../../../src/server/handlers/post-budget.js';
import { nextRoute } from '../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getBudgets);
export const POST = nextRoute(postBudget);
