import { apiRoutes, getAudit, getAuditVerification, getOpenApi, postAction, schemas, unknownEndpoint } from '@airlock/console';
import { awaitOutcome } from '@airlock/core/gateway';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRequest, expectError, expectJson, useApiHarness } from './client.js';

const { h, ctx, keys } = useApiHarness();
const actionIds: string[] = [];

beforeAll(async () => {
  // Three low-risk actions, run to completion one after another.
  for (const message of ['one', 'two', 'three']) {
    const body = { tool: 'demo.echo', args: { message }, idempotencyKey: `audit-${message}` };
    const { actionId } = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
    actionIds.push(actionId);
    await awaitOutcome(h.client, actionId);
  }
});

const audit = (query: string, key = keys.bob) => getAudit(apiRequest(`/api/v1/audit${query}`, { key }), ctx);
const verify = (key = keys.victor) => getAuditVerification(apiRequest('/api/v1/audit/verify', { key }), ctx);

describe('GET /api/v1/audit', () => {
  it('pages through the whole chain in seq order by cursor, seq as a string', async () => {
    const total = await h.db.prisma.auditEvent.count();
    expect(total).toBeGreaterThanOrEqual(15);
    const seen: string[] = [];
    let cursor: string | null = '0';
    let pages = 0;
    while (cursor !== null) {
      const page: schemas.AuditPage = await expectJson(audit(`?after=${cursor}&limit=4`), 200, schemas.AuditPage);
      expect(page.events.length).toBeLessThanOrEqual(4);
      seen.push(...page.events.map((e) => e.seq));
      cursor = page.nextCursor;
      pages += 1;
    }
    expect(pages).toBe(Math.ceil(total / 4));
    expect(seen).toHaveLength(total);
    const asNumbers = seen.map(BigInt);
    expect(asNumbers).toEqual([...asNumbers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(seen).size).toBe(total);
  });

  it('filters by action, keeping the chain fields', async () => {
    const page = await expectJson(audit(`?actionId=${actionIds[1]}`), 200, schemas.AuditPage);
    expect(page.nextCursor).toBeNull();
    const stored = await h.db.prisma.auditEvent.findMany({ where: { actionId: actionIds[1] }, orderBy: { seq: 'asc' } });
    expect(page.events.map((e) => [e.seq, e.type, e.hash])).toEqual(stored.map((e) => [e.seq.toString(), e.type, e.hash]));
    expect(page.events.map((e) => e.type)).toEqual(expect.arrayContaining(['action.requested', 'action.completed']));
    expect(page.events[0]).toMatchObject({ actionId: actionIds[1], actor: 'agent:billing-bot' });
  });

  it('refuses bad queries (400, naming the field) and non-user keys (403, 401)', async () => {
    for (const [query, path] of [
      ['?limit=0', 'limit'],
      ['?limit=501', 'limit'],
      ['?after=-1', 'after'],
      ['?actionId=nope', 'actionId'],
    ] as const) {
      const error = await expectError(audit(query), 400, 'invalid_request');
      expect(error.issues?.[0]?.path, query).toBe(path);
    }
    await expectError(audit('', keys.agent), 403, 'forbidden');
    await expectError(audit('', keys.revoked), 401, 'unauthenticated');
  });
});

describe('GET /api/v1/audit/verify', () => {
  it('verifies an intact chain, then pinpoints the first altered row', async () => {
    const total = await h.db.prisma.auditEvent.count();
    expect(await expectJson(verify(), 200, schemas.ChainVerificationView)).toMatchObject({ ok: true, checkedRows: total });
    await expectError(verify(keys.agent), 403, 'forbidden');

    // Tamper as a database superuser could: bypass the append-only trigger and edit one row.
    const victim = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: actionIds[1] }, orderBy: { seq: 'asc' } });
    const before = await h.db.prisma.auditEvent.count({ where: { seq: { lt: victim.seq } } });
    await h.db.pool.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete');
    await h.db.pool.query(`UPDATE audit_events SET actor = 'agent:someone-else' WHERE seq = $1`, [victim.seq.toString()]);
    await h.db.pool.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete');

    expect(await expectJson(verify(), 200, schemas.ChainVerificationView)).toEqual({
      ok: false,
      checkedRows: before,
      firstBrokenSeq: victim.seq.toString(),
      reason: expect.stringMatching(/altered/),
    });
  });
});

describe('GET /api/v1/openapi.json', () => {
  const Document = z.object({
    openapi: z.string(),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    components: z.object({ schemas: z.record(z.string(), z.unknown()), securitySchemes: z.record(z.string(), z.unknown()) }),
  });

  it('documents every endpoint, generated from the validation schemas', async () => {
    const doc = await expectJson(getOpenApi(), 200, Document);
    expect(doc.openapi).toBe('3.1.0');
    // Every row of the route table (which apps/console/src/api/route-table.unit.test.ts holds to the route
    // files) is documented with exactly its methods, and nothing else is.
    expect(Object.fromEntries(Object.entries(doc.paths).map(([path, ops]) => [path, Object.keys(ops).sort()]))).toEqual(tableMethods());
    expect(Object.keys(doc.paths['/api/v1/actions'] ?? {})).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/v1/actions/{id}/decisions'] ?? {})).toEqual(['post']);
    expect(doc.paths['/api/v1/actions']?.post).toMatchObject({
      requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/SubmitActionBody' } } } },
    });
    expect(doc.components.schemas.SubmitActionBody).toMatchObject({ required: ['tool', 'args', 'idempotencyKey'], additionalProperties: false });
    expect(doc.components.schemas.DecisionBody).toMatchObject({
      properties: { decision: { enum: ['approve', 'deny'] }, editedArgs: { type: 'object' } },
      additionalProperties: false,
    });
    expect(Object.keys(doc.paths['/api/v1/kill-switch'] ?? {}).sort()).toEqual(['delete', 'get', 'post']);
    expect(doc.paths['/api/v1/agents/{id}/tools']?.put).toMatchObject({
      requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/AgentToolsBody' } } } },
    });
    for (const name of ['KillSwitchBody', 'StandingApprovalBody', 'BudgetBody', 'AgentToolsBody', 'PolicyDryRunBody']) {
      expect(doc.components.schemas[name], name).toMatchObject({ additionalProperties: false });
    }
    for (const name of ['KillSwitchResult', 'SuspensionList', 'StandingApprovalList', 'BudgetList', 'AgentList', 'PolicyDryRunResult', 'Policy']) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const error = await expectError(unknownEndpoint(apiRequest('/api/v1/nope')), 404, 'not_found');
    expect(error.message).toMatch(/GET \/api\/v1\/nope/);
  });
});

/** `/api/v1/...` path → its HTTP methods in the route table. */
function tableMethods(): Record<string, string[]> {
  const methods: Record<string, string[]> = {};
  for (const route of apiRoutes) (methods[route.path] ??= []).push(route.method);
  return Object.fromEntries(Object.entries(methods).map(([path, list]) => [path, list.sort()]));
}
