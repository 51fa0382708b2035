import { postPolicyDryRun } from '../../../../../src/server/handlers/post-policy-dry-run.js';
import { nextRoute } from '../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRoute(postPolicyDryRun);
