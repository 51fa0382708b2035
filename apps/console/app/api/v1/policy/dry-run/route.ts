import { postPolicyDryRun } from '../../../../../src/api/handlers/post-policy-dry-run.js';
import { methodsNotAllowed, nextRoute } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRoute(postPolicyDryRun);
export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ POST });
