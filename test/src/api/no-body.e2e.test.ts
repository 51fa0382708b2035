import { schemas } from '@airlock/console';
import { createApiKey } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureConsoleBuilt, startConsole, type RunningConsole } from '../console/console-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';

// A route that reads no body refuses one with anything in it, in the route layer of the built console
// (`next start`): a `reason` sent to a revoke was dropped without a word, and read as recorded.
describe('a body sent over HTTP to a route that reads none', () => {
  let database: TestDatabase;
  let app: RunningConsole;
  let admin = '';
  let viewer = '';

  beforeAll(async () => {
    const built = ensureConsoleBuilt();
    database = await createTestDatabase();
    await seedTeam(database.db);
    admin = (await createApiKey(database.db, { userId: 'bob' })).key;
    viewer = (await createApiKey(database.db, { userId: 'victor' })).key;
    await built;
    app = await startConsole({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: 'no-body-unused' });
  }, 600_000);

  afterAll(async () => {
    if (process.env.AIRLOCK_E2E_LOG) console.log(app?.output());
    await app?.stop();
    await database?.drop();
  });

  const send = (method: string, path: string, body?: string) =>
    fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });

  const revokedAt = async (id: string) => (await database.db.prisma.apiKey.findUniqueOrThrow({ where: { id } })).revokedAt;
  const revocations = () => database.db.prisma.auditEvent.count({ where: { type: 'api_key.revoked' } });

  it('revoking a key with a reason is a 400 naming the member, and revokes nothing; with {} it revokes', async () => {
    const key = await createApiKey(database.db, { userId: 'alice' }, 'old laptop');
    const refused = await send('POST', `/api/v1/keys/${key.id}/revoke`, JSON.stringify({ reason: 'customer asked' }));
    expect(refused.status).toBe(400);
    expect(schemas.ErrorBody.parse(await refused.json())).toEqual({
      error: {
        code: 'invalid_request',
        message: 'invalid request body: this endpoint takes no request body; got member "reason"',
        issues: [{ path: 'reason', message: 'this endpoint takes no request body' }],
      },
    });
    expect(await revokedAt(key.id)).toBeNull();
    expect(await revocations()).toBe(0);

    const revoked = await send('POST', `/api/v1/keys/${key.id}/revoke`, '{}');
    expect(revoked.status, await revoked.clone().text()).toBe(200);
    expect(schemas.KeyRevocation.parse(await revoked.json())).toMatchObject({ changed: true, key: { id: key.id } });
    expect(await revokedAt(key.id)).not.toBeNull();
    expect(await revocations()).toBe(1);
  });

  it('answers a caller without a valid key 401 before it looks at the body, as routes that read one do', async () => {
    const key = await createApiKey(database.db, { userId: 'alice' }, 'kept');
    for (const authorization of [undefined, 'Bearer alk_not_a_key_at_all']) {
      const response = await fetch(`${app.url}/api/v1/keys/${key.id}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
        body: JSON.stringify({ reason: 'customer asked' }),
      });
      expect(response.status, authorization ?? 'no key').toBe(401);
      expect(schemas.ErrorBody.parse(await response.json()).error.code).toBe('unauthenticated');
    }
    expect(await revokedAt(key.id)).toBeNull();
  });

  it('answers a key its row does not admit 403 before it looks at the body, and audits the attempt as the use case would', async () => {
    const key = await createApiKey(database.db, { userId: 'alice' }, 'kept too');
    const attempts = () => database.db.prisma.auditEvent.count({ where: { type: 'operator.forbidden', actor: 'user:victor' } });
    const before = await attempts();
    const response = await fetch(`${app.url}/api/v1/keys/${key.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'customer asked' }),
    });
    expect(response.status).toBe(403);
    expect(schemas.ErrorBody.parse(await response.json()).error).toEqual({
      code: 'forbidden',
      message: 'role viewer may not do this; admin or higher is required (api_key.revoke)',
    });
    expect(await attempts()).toBe(before + 1);
    expect(await revokedAt(key.id)).toBeNull();
  });

  it('on a route without a path parameter too: DELETE /policy/shadow with a member is a 400, with no body it clears', async () => {
    const refused = await send('DELETE', '/api/v1/policy/shadow', JSON.stringify({ policy: 'candidate.yaml' }));
    expect(refused.status).toBe(400);
    expect(schemas.ErrorBody.parse(await refused.json()).error.issues).toEqual([{ path: 'policy', message: 'this endpoint takes no request body' }]);
    const cleared = await send('DELETE', '/api/v1/policy/shadow');
    expect(cleared.status, await cleared.clone().text()).toBe(200);
  });
});
