import { postStandingApprovalRevocation } from '../../../../../../src/server/handlers/revoke-standing-approval.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postStandingApprovalRevocation);
