import { postDecision } from '../../../../../../src/api/handlers/post-decision.js';
import { nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postDecision);
