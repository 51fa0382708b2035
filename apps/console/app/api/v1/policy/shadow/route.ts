import { deleteShadowPolicy, getShadowSummary, putShadowPolicy } from '../../../../../src/api/handlers/management/policy-shadow.js';
import { methodsNotAllowed, nextRoute } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getShadowSummary);
export const PUT = nextRoute(putShadowPolicy);
export const DELETE = nextRoute(deleteShadowPolicy);
export const { POST, PATCH, OPTIONS } = methodsNotAllowed({ GET, PUT, DELETE });
