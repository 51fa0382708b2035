import { postActionCancel } from '../../../../../../src/server/handlers/post-action-cancel.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postActionCancel);
