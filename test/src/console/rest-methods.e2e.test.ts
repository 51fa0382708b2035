import { apiRoutes, schemas } from '@airlock/console';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { CONSOLE_SETUP_TIMEOUT_MS, ensureConsoleBuilt, startConsole, type RunningConsole } from './console-app.js';

// Next.js answers a method a route file does not export with an empty 405; the built console (`next start`)
// must answer it in the API's JSON error shape, with the methods the path does serve.
describe('a method an API path does not serve', () => {
  let database: TestDatabase;
  let app: RunningConsole;

  beforeAll(async () => {
    const built = ensureConsoleBuilt();
    database = await createTestDatabase();
    await built;
    app = await startConsole({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: 'rest-methods-unused' });
  }, CONSOLE_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (process.env.AIRLOCK_E2E_LOG) console.log(app?.output());
    await app?.stop();
    await database?.drop();
  });

  it('is a JSON 405 naming the method, the path and what is allowed, with an Allow header', async () => {
    const response = await fetch(`${app.url}/api/v1/audit`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(schemas.ErrorBody.parse(await response.json())).toEqual({
      error: { code: 'method_not_allowed', message: 'PUT is not allowed on /api/v1/audit; allowed: GET, HEAD, OPTIONS' },
    });

    const onAnAction = await fetch(`${app.url}/api/v1/actions/${anActionId}/decisions`);
    expect(onAnAction.status).toBe(405);
    expect(onAnAction.headers.get('allow')).toBe('OPTIONS, POST');
    expect(((await onAnAction.json()) as schemas.ErrorBody).error.message).toBe(`GET is not allowed on /api/v1/actions/${anActionId}/decisions; allowed: OPTIONS, POST`);
  });

  it('holds for every path of the route table and every method it lacks; the methods it serves still reach their handler', async () => {
    const served = new Map<string, string[]>();
    for (const route of apiRoutes) served.set(route.path, [...(served.get(route.path) ?? []), route.method.toUpperCase()]);
    for (const [path, methods] of served) {
      const url = `${app.url}${path.replace('{id}', anActionId)}`;
      const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].sort().join(', ');
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !methods.includes(m))) {
        const response = await fetch(url, { method });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
        expect(((await response.json()) as schemas.ErrorBody).error.code, `${method} ${path}`).toBe('method_not_allowed');
      }
      // Next's own OPTIONS listed every exported method; the 405 handlers must not count as served.
      const options = await fetch(url, { method: 'OPTIONS' });
      expect(options.status, `OPTIONS ${path}`).toBe(204);
      expect(options.headers.get('allow'), `OPTIONS ${path}`).toBe(allow);
      // Without a key a served method is refused by its handler, not by the method check.
      const keyless = await fetch(url, { method: methods[0]! });
      expect(keyless.status, `${methods[0]} ${path}`).not.toBe(405);
      await keyless.body?.cancel();
    }
  });

  it('leaves unknown paths a JSON 404', async () => {
    const response = await fetch(`${app.url}/api/v1/nope`, { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as schemas.ErrorBody).error.code).toBe('not_found');
  });
});

const anActionId = '0f5b8c1e-2d3a-5b4c-9d8e-7f6a5b4c3d2e';
