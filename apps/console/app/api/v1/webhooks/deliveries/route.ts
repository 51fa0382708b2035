import { getDeliveries } from '../../../../../src/api/handlers/management/webhooks.js';
import { methodsNotAllowed, nextRoute } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getDeliveries);
export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET });
