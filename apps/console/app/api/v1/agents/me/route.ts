import { getAgentSelf } from '../../../../../src/api/handlers/get-agent-self.js';
import { nextRoute } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getAgentSelf);
