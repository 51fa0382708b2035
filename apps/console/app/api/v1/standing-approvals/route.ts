import { getStandingApprovals } from '../../../../src/api/handlers/list-standing-approvals.js';
import { postStandingApproval } from '../../../../src/api/handlers/post-standing-approval.js';
import { methodsNotAllowed, nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getStandingApprovals);
export const POST = nextRoute(postStandingApproval);
export const { PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET, POST });
