import { getAgents } from '../../../../src/server/handlers/list-agents.js';
import { postAgent } from '../../../../src/server/handlers/management/agents.js';
import { nextRoute } from '../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getAgents);
export const POST = nextRoute(postAgent);
