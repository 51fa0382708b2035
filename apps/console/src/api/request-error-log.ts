import type { Instrumentation } from 'next';
import { consoleLogger } from './telemetry.js';

type RequestErrorArgs = Parameters<Instrumentation.onRequestError>;

/**
 * One line per error Next caught on the server (a page, a layout, a server action, a route),
 * carrying the digest the error page shows the person as its reference: they quote it, the
 * operator searches the log for `"digest":"<it>"`.
 */
export function logRequestError(error: RequestErrorArgs[0], request: RequestErrorArgs[1], context: RequestErrorArgs[2]): void {
  const digest = typeof error === 'object' && error !== null && 'digest' in error && typeof error.digest === 'string' ? error.digest : undefined;
  consoleLogger().error(
    { err: error, digest, method: request.method, path: request.path, route: context.routePath, routeType: context.routeType },
    `${request.method} ${request.path} failed on the server${digest ? ` (reference ${digest})` : ''}`,
  );
}
