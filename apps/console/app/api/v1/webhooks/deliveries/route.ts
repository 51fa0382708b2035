import { getDeliveries } from '../../../../../src/server/handlers/management/webhooks.js';
import { nextRoute } from '../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getDeliveries);
