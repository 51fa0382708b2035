import { getPolicy } from '../../../../src/api/handlers/get-policy.js';
import { methodsNotAllowed, nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getPolicy);
export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET });
