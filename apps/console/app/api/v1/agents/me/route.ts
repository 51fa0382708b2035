import { getAgentSelf } from '../../../../../src/server/handlers/get-agent-self.js';
import { nextRoute } from '../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getAgentSelf);
