import { getActionStatusView } from '../../../../../../src/server/handlers/get-action-status.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRouteWithId(getActionStatusView);
