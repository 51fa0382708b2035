import { getPolicy } from '../../../../src/server/handlers/get-policy.js';
import { nextRoute } from '../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getPolicy);
