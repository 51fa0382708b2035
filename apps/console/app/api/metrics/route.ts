import { getMetrics } from '../../../src/server/handlers/get-metrics.js';
import { nextRoute } from '../../../src/server/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getMetrics);
