import { putAgentTools } from '../../../../../../src/api/handlers/put-agent-tools.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PUT = nextRouteWithId(putAgentTools);
export const { GET, POST, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ PUT });
