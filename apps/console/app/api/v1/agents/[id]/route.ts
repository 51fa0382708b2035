import { patchAgent } from '../../../../../src/api/handlers/management/agents.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PATCH = nextRouteWithId(patchAgent);
export const { GET, POST, PUT, DELETE, OPTIONS } = methodsNotAllowed({ PATCH });
