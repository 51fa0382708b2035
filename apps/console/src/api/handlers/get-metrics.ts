import { timingSafeEqual } from 'node:crypto';
import type { ApiContext } from '../context.js';
import { unauthenticated, withErrors } from '../errors.js';
import { consoleMetrics } from '../metrics.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** GET /api/metrics: Prometheus text. With AIRLOCK_METRICS_TOKEN set, only for a scraper that sends it. */
export const getMetrics = withErrors(async (request: Request, ctx: ApiContext): Promise<Response> => {
  if (ctx.metricsToken && !tokenMatches(request.headers.get('authorization'), ctx.metricsToken)) {
    throw unauthenticated('missing or wrong metrics token: send "Authorization: Bearer <AIRLOCK_METRICS_TOKEN>"');
  }
  const metrics = consoleMetrics(ctx.db);
  return new Response(await metrics.scrape(), { headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' } });
});

/** Constant time, so response timing does not reveal how much of a guess was right. */
function tokenMatches(header: string | null, expected: string): boolean {
  const given = Buffer.from(BEARER.exec(header ?? '')?.[1] ?? '');
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
