import { patchUser } from '../../../../../src/api/handlers/management/users.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PATCH = nextRouteWithId(patchUser);
export const { GET, POST, PUT, DELETE, OPTIONS } = methodsNotAllowed({ PATCH });
