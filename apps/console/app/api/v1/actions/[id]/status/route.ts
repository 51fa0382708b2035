import { getActionStatusView } from '../../../../../../src/api/handlers/get-action-status.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRouteWithId(getActionStatusView);
export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET });
