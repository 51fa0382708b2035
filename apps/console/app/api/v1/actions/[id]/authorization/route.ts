import { getAuthorization } from '../../../../../../src/server/handlers/get-authorization.js';
import { nextRouteWithId } from '../../../../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// A long poll waits up to 30 s for the authorization.
export const maxDuration = 60;

export const GET = nextRouteWithId(getAuthorization);
