import { deleteShadowPolicy, getShadowSummary, putShadowPolicy } from '../../../../../src/server/handlers/management/policy-shadow.js';
import { nextRoute } from '../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getShadowSummary);
export const PUT = nextRoute(putShadowPolicy);
export const DELETE = nextRoute(deleteShadowPolicy);
