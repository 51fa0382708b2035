import { patchBudget, deleteBudgetRoute } from '../../../../../src/api/handlers/management/budgets.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PATCH = nextRouteWithId(patchBudget);
export const DELETE = nextRouteWithId(deleteBudgetRoute);
export const { GET, POST, PUT, OPTIONS } = methodsNotAllowed({ PATCH, DELETE });
