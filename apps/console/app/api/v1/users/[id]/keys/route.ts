import { getUserKeys, postUserKey } from '../../../../../../src/api/handlers/management/users.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRouteWithId(getUserKeys);
export const POST = nextRouteWithId(postUserKey);
export const { PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET, POST });
