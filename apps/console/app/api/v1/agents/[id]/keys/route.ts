import { getAgentKeys, postAgentKey } from '../../../../../../src/api/handlers/management/agents.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRouteWithId(getAgentKeys);
export const POST = nextRouteWithId(postAgentKey);
export const { PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET, POST });
