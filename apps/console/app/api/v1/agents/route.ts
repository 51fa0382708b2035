import { getAgents } from '../../../../src/api/handlers/list-agents.js';
import { postAgent } from '../../../../src/api/handlers/management/agents.js';
import { methodsNotAllowed, nextRoute } from '../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getAgents);
export const POST = nextRoute(postAgent);
export const { PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET, POST });
