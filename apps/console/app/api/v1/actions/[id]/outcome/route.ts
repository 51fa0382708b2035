import { getOutcome } from '../../../../../../src/api/handlers/get-outcome.js';
import { nextRouteWithId } from '../../../../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// A long poll waits up to 30 s for the outcome.
export const maxDuration = 60;

export const GET = nextRouteWithId(getOutcome);
