import { postActionCancel } from '../../../../../../src/api/handlers/post-action-cancel.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postActionCancel);
export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ POST });
