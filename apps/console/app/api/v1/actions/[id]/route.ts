import { getAction } from '../../../../../src/api/handlers/get-action.js';
import { nextRouteWithId } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRouteWithId(getAction);
