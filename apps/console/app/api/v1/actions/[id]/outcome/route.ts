import { getOutcome } from '../../../../../../src/api/handlers/get-outcome.js';
import { methodsNotAllowed, nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// A long poll waits up to 30 s for the outcome.
export const maxDuration = 60;

export const GET = nextRouteWithId(getOutcome);
export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed({ GET });
