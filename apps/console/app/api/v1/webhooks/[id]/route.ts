import { deleteWebhook } from '../../../../../src/api/handlers/management/webhooks.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const DELETE = nextRouteWithId(deleteWebhook);
export const { GET, POST, PUT, PATCH, OPTIONS } = methodsNotAllowed({ DELETE });
