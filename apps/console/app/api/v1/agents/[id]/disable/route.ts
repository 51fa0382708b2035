import { postAgentDisable } from '../../../../../../src/server/handlers/management/agents.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = nextRouteWithId(postAgentDisable);
