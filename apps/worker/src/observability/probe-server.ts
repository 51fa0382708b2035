import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@airlock/telemetry';
import type { Registry } from 'prom-client';
import { unmetChecks, type ReadinessCheck } from './readiness.js';

export interface ProbeServerOptions {
  host: string;
  /** 0 = any free port (tests). */
  port: number;
  registry: Registry;
  readiness: readonly ReadinessCheck[];
  logger: Logger;
}

export interface ProbeServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's one HTTP port: `/metrics` for Prometheus, `/healthz` for the
 * liveness probe (the event loop answers) and `/readyz` for the readiness probe
 * (the worker polls and the database answers). Read-only, no request bodies.
 */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const server = createServer((request, response) => {
    void respond(options, request, response).catch((error: unknown) => {
      options.logger.warn({ err: error, path: request.url }, 'probe request failed');
      if (!response.headersSent) send(response, 500, 'internal error\n');
    });
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Prometheus keeps connections alive; they must not hold the shutdown.
        server.closeAllConnections();
      }),
  };
}

async function respond(options: ProbeServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'method not allowed\n');
  const path = new URL(request.url ?? '/', 'http://probe').pathname;
  switch (path) {
    case '/metrics':
      return send(response, 200, await options.registry.metrics(), options.registry.contentType);
    case '/healthz':
      return send(response, 200, 'ok\n');
    case '/readyz': {
      const unmet = await unmetChecks(options.readiness);
      return unmet.length === 0 ? send(response, 200, 'ready\n') : send(response, 503, `not ready\n${unmet.join('\n')}\n`);
    }
    default:
      return send(response, 404, 'not found: try /metrics, /healthz or /readyz\n');
  }
}

function send(response: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}
