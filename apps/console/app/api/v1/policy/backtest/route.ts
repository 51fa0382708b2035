import { postPolicyBacktest } from '../../../../../src/server/handlers/management/policy-shadow.js';
import { nextRoute } from '../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRoute(postPolicyBacktest);
