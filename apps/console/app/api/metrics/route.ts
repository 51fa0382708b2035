import { getMetrics } from '../../../src/api/handlers/get-metrics.js';
import { nextRoute } from '../../../src/api/next-routes.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = nextRoute(getMetrics);
