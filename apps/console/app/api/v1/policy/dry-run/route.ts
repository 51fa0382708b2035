import { postPolicyDryRun } from '../../../../../src/api/handlers/post-policy-dry-run.js';
import { nextRoute } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRoute(postPolicyDryRun);
