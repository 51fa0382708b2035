import { putAgentTools } from '../../../../../../src/api/handlers/put-agent-tools.js';
import { nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PUT = nextRouteWithId(putAgentTools);
