import { postReplay } from '../../../../../../../src/server/handlers/management/webhooks.js';
import { nextRouteWithId } from '../../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postReplay);
