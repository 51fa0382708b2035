import { getStandingApprovals } from '../../../../src/server/handlers/list-standing-approvals.js';
import { postStandingApproval } from '../../../../src/server/handlers/post-standing-approval.js';
import { nextRoute } from '../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getStandingApprovals);
export const POST = nextRoute(postStandingApproval);
