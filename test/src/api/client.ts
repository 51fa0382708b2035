import { getAction, policyFromFile, schemas, type ApiContext } from '@airlock/console';
import { createAgent, createApiKey, type Db } from '@airlock/db';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { afterAll, beforeAll, expect } from 'vitest';
import type { z } from 'zod';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';

/** Builds real web Requests for the framework-free handlers, as Next.js would pass them. GET, or POST with a body, unless `method` says otherwise. */
export function apiRequest(path: string, init: { key?: string; body?: unknown; rawBody?: string; method?: 'GET' | 'POST' | 'PUT' | 'DELETE' } = {}): Request {
  const headers: Record<string, string> = {};
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  return new Request(`http://airlock.test${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}

/** Asserts the status and that the body is JSON matching the API's own (documented) schema; returns it typed. */
export async function expectJson<S extends z.ZodType>(response: Response | Promise<Response>, status: number, schema: S): Promise<z.infer<S>> {
  const res = await response;
  const text = await res.text();
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.status, text).toBe(status);
  return schema.parse(JSON.parse(text));
}

/** Asserts an error response of the API's one error shape, never a stack trace. */
export async function expectError(response: Response | Promise<Response>, status: number, code: schemas.ErrorBody['error']['code']) {
  const { error } = await expectJson(response, status, schemas.ErrorBody);
  expect(error.code).toBe(code);
  expect(error.message).not.toMatch(/\n\s+at /);
  return error;
}

/** The handlers' context on the harness: its client (and so its data converter) and the policy file its worker enforces. */
export function contextOf(h: Harness): ApiContext {
  return { db: h.db, temporal: h.client, taskQueue: h.taskQueue, policy: policyFromFile(DEFAULT_POLICY_FILE) };
}

export interface ApiKeys {
  agent: string;
  otherAgent: string;
  owner: string;
  alice: string;
  bob: string;
  victor: string;
  revoked: string;
}

/** The approval team plus one API key each, a second agent, and a revoked key. */
export async function seedKeys(db: Db): Promise<ApiKeys> {
  await seedTeam(db);
  await createAgent(db, { id: 'support-bot', team: 'support' });
  const key = async (owner: { agentId: string } | { userId: string }) => (await createApiKey(db, owner)).key;
  const revoked = await createApiKey(db, { userId: 'alice' }, 'old laptop');
  await db.prisma.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
  return {
    agent: await key({ agentId: 'billing-bot' }),
    otherAgent: await key({ agentId: 'support-bot' }),
    owner: await key({ userId: 'owner' }),
    alice: await key({ userId: 'alice' }),
    bob: await key({ userId: 'bob' }),
    victor: await key({ userId: 'victor' }),
    revoked: revoked.key,
  };
}

/** What an API test file runs against: the harness, the handlers' context on it, and the seeded keys. */
export interface ApiBed {
  h: Harness;
  ctx: ApiContext;
  keys: ApiKeys;
}

/**
 * Registers the file's beforeAll (start a harness, seed the keys) and afterAll (close it) and returns the
 * bed they fill: `const { h, ctx, keys } = useApiHarness();` at the top of the file. The three objects
 * are empty until that beforeAll has run, so read them in tests and later hooks (a file's own beforeAll
 * registered after this call runs after it), never at module level.
 */
export function useApiHarness(options?: Parameters<typeof startHarness>[0]): ApiBed {
  const bed = { h: {}, ctx: {}, keys: {} } as ApiBed;
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness(options);
    Object.assign(bed.h, started);
    Object.assign(bed.ctx, contextOf(started));
    Object.assign(bed.keys, await seedKeys(started.db));
  });
  afterAll(async () => {
    await started?.close();
  });
  return bed;
}

/** Polls GET /actions/:id (no fixed sleeps) until the stored status is one of `statuses`. */
export async function waitForActionStatus(ctx: ApiContext, key: string, actionId: string, statuses: schemas.ActionView['status'][], timeoutMs = 20_000) {
  const started = Date.now();
  for (;;) {
    const res = await getAction(apiRequest(`/api/v1/actions/${actionId}`, { key }), ctx, { id: actionId });
    const body: unknown = await res.json();
    if (res.status === 200) {
      const view = schemas.ActionView.parse(body);
      if (statuses.includes(view.status)) return view;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`action ${actionId} never reached ${statuses.join('|')}; last: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
