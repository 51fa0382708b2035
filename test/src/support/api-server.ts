import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiContext } from '@airlock/console';

export type RouteHandler = (request: Request, ctx: ApiContext, params: { id: string }) => Promise<Response>;

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path with at most one `:id` segment, e.g. `/api/v1/actions/:id/outcome`. */
  path: string;
  handler: RouteHandler;
}

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the framework-free REST handlers over real HTTP on loopback, as Next.js
 * would: clients under test (the SDK) talk real HTTP, with the harness's context.
 */
export async function startApiServer(ctx: ApiContext, routes: ApiRoute[]): Promise<ApiServer> {
  const compiled = routes.map((route) => ({
    ...route,
    pattern: new RegExp(`^${route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(':id', '([^/]+)')}$`),
  }));
  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = compiled.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'no such endpoint' } }));
      return;
    }
    const id = decodeURIComponent(route.pattern.exec(url.pathname)?.[1] ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // The caller going away aborts the handler's long poll, as it does under Next.js.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const request = new Request(url, { method: req.method ?? 'GET', headers, signal: gone.signal, ...(body ? { body } : {}) });
    const response = await route.handler(request, ctx, { id });
    res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
