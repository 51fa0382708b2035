import { postStandingApprovalRevocation } from '../../../../../../src/api/handlers/revoke-standing-approval.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postStandingApprovalRevocation);
export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ POST });
