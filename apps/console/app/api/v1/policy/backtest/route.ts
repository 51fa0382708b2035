import { postPolicyBacktest } from '../../../../../src/api/handlers/management/policy-shadow.js';
import { methodsNotAllowed, nextRoute } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRoute(postPolicyBacktest);
export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ POST });
