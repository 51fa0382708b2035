import { getUsers, postUser } from '../../../../src/api/handlers/management/users.js';
import { methodsNotAllowed, nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getUsers);
export const POST = nextRoute(postUser);
export const { PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET, POST });
