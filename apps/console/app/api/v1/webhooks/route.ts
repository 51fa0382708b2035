import { getWebhooks, postWebhook } from '../../../../src/api/handlers/management/webhooks.js';
import { methodsNotAllowed, nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getWebhooks);
export const POST = nextRoute(postWebhook);
export const { PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET, POST });
