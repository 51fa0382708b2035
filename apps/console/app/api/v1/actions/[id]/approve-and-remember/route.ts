import { postApproveAndRemember } from '../../../../../../src/server/handlers/post-approve-and-remember.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postApproveAndRemember);
