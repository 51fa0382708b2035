import { putAgentTools } from '../../../../../../src/server/handlers/put-agent-tools.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PUT = nextRouteWithId(putAgentTools);
