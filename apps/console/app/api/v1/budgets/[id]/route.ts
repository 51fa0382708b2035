import { patchBudget, deleteBudgetRoute } from '../../../../../src/server/handlers/management/budgets.js';
import { nextRouteWithId } from '../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PATCH = nextRouteWithId(patchBudget);
export const DELETE = nextRouteWithId(deleteBudgetRoute);
