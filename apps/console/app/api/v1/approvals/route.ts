import { getApprovals } from '../../../../src/server/handlers/list-approvals.js';
import { nextRoute } from '../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getApprovals);
