import { getAgentKeys, postAgentKey } from '../../../../../../src/server/handlers/management/agents.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRouteWithId(getAgentKeys);
export const POST = nextRouteWithId(postAgentKey);
