import { postPolicyBacktest } from '../../../../../src/api/handlers/management/policy-shadow.js';
import { nextRoute } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRoute(postPolicyBacktest);
