import { postClaim } from '../../../../../../src/api/handlers/post-claim.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postClaim);
export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ POST });
