import { openApiDocument, postAction, postDecision, postKillSwitch, schemas, type ApiContext } from '@airlock/console';
import { ARGS_LIMITS, GUARDED_ACTION_WORKFLOW, workflowIdForAction, type GuardedActionInput } from '@airlock/core';
import { argsHash, deriveActionId } from '@airlock/core/hashing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf, expectError, expectJson, seedKeys, type ApiKeys } from '../api/client.js';
import { startHarness, type Harness } from '../support/harness.js';

// Issue #11 items 4, 6 and 7 through the real REST handlers: limits are a 400
// naming the limit and the field, oversized bodies a 413, non-JSON bodies a 415.

let h: Harness;
let ctx: ApiContext;
let keys: ApiKeys;

beforeAll(async () => {
  h = await startHarness();
  ctx = contextOf(h);
  keys = await seedKeys(h.db);
});
afterAll(async () => {
  await h?.close();
});

function nestedText(levels: number): string {
  return `${'{"a":'.repeat(levels)}{}${'}'.repeat(levels)}`;
}

const ANY_ACTION = '0f5b8c1e-2d3a-5b4c-9d8e-7f6a5b4c3d2e';

function rawRequest(path: string, body: string, headers: Record<string, string>): Request {
  return new Request(`http://airlock.test${path}`, { method: 'POST', headers: { authorization: `Bearer ${keys.agent}`, ...headers }, body });
}
const submitRaw = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => postAction(rawRequest('/api/v1/actions', body, headers), ctx);
const echoBody = (idempotencyKey: string) => JSON.stringify({ tool: 'demo.echo', args: { message: 'hi' }, idempotencyKey });

describe('argument limits at the REST edge', () => {
  it.each([2_000, 3_500, 5_000])('answers %i levels of nesting with 400 naming the depth limit and the field, and starts nothing', async (levels) => {
    const key = `deep-${levels}`;
    const body = `{"tool":"x.unregistered","idempotencyKey":"${key}","args":${nestedText(levels)}}`;
    const error = await expectError(submitRaw(body), 400, 'invalid_request');
    expect(error.issues).toEqual([
      {
        path: ['args', ...Array<string>(ARGS_LIMITS.maxDepth).fill('a')].join('.'),
        message: `nested ${ARGS_LIMITS.maxDepth + 1} levels deep; at most ${ARGS_LIMITS.maxDepth} levels allowed`,
      },
    ]);
    expect(error.message).not.toMatch(/KiB/);
    expect(await h.db.prisma.action.count({ where: { idempotencyKey: key } })).toBe(0);
  });

  it('refuses __proto__ in args with its path; the same key with plain arguments is a different request', async () => {
    const plain = await expectJson(submitRaw('{"tool":"demo.echo","idempotencyKey":"proto-1","args":{"message":"1.00"}}'), 202, schemas.SubmittedActionView);
    const error = await expectError(submitRaw('{"tool":"demo.echo","idempotencyKey":"proto-1","args":{"message":"1.00","__proto__":{"message":"9999"}}}'), 400, 'invalid_request');
    expect(error.issues).toEqual([{ path: 'args.__proto__', message: expect.stringMatching(/"__proto__" is not accepted/) }]);
    expect(plain.argsHash).toBe(argsHash({ message: '1.00' }));
    const nestedCtor = await expectError(submitRaw('{"tool":"x.unregistered","idempotencyKey":"proto-2","args":{"list":[{"constructor":1}]}}'), 400, 'invalid_request');
    expect(nestedCtor.issues?.[0]?.path).toBe('args.list.0.constructor');
  });

  it('answers a lone surrogate (\\ud800 in the JSON) with 400 naming the field, not a 500 from hashing it, and a NUL likewise; the text \\\\u0000 is accepted', async () => {
    const lone = await expectError(submitRaw('{"tool":"demo.echo","idempotencyKey":"lone-1","args":{"message":"a\\ud800b"}}'), 400, 'invalid_request');
    expect(lone.issues).toEqual([{ path: 'args.message', message: expect.stringMatching(/lone surrogate/) }]);
    const inRationale = await expectError(submitRaw('{"tool":"demo.echo","idempotencyKey":"lone-2","args":{"message":"hi"},"rationale":"\\udc00"}'), 400, 'invalid_request');
    expect(inRationale.issues).toEqual([{ path: 'rationale', message: expect.stringMatching(/lone surrogate/) }]);
    const nul = await expectError(submitRaw('{"tool":"demo.echo","idempotencyKey":"nul-1","args":{"message":"a\\u0000b"}}'), 400, 'invalid_request');
    expect(nul.issues).toEqual([{ path: 'args.message', message: 'must not contain NUL characters (PostgreSQL cannot store them)' }]);
    expect(await h.db.prisma.action.count({ where: { idempotencyKey: { in: ['lone-1', 'lone-2', 'nul-1'] } } })).toBe(0);
    await expectJson(submitRaw('{"tool":"demo.echo","idempotencyKey":"text-nul","args":{"message":"printf \\\\u0000"}}'), 202, schemas.SubmittedActionView);
  });

  it('refuses __proto__ in editedArgs with its path', async () => {
    const body = `{"decision":"approve","argsHash":"${'a'.repeat(64)}","editedArgs":{"amount":"1.00","__proto__":{"amount":"9999"}}}`;
    const request = new Request(`http://airlock.test/api/v1/actions/${ANY_ACTION}/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
      body,
    });
    const error = await expectError(postDecision(request, ctx, { id: ANY_ACTION }), 400, 'invalid_request');
    expect(error.issues).toEqual([{ path: 'editedArgs.__proto__', message: expect.stringMatching(/not accepted/) }]);
  });

  it('answers a body over 1 MiB with 413 naming the limit, declared or streamed', async () => {
    const huge = JSON.stringify({ tool: 'demo.echo', idempotencyKey: 'huge', args: { message: 'x'.repeat(2 * 1024 * 1024) } });
    const streamed = await expectError(submitRaw(huge), 413, 'payload_too_large');
    expect(streamed.message).toMatch(/1048576 bytes \(1 MiB\)/);
    await expectError(submitRaw(huge, { 'content-type': 'application/json', 'content-length': String(huge.length) }), 413, 'payload_too_large');
    // Under the body limit but over the arguments' own limit: still a 400 naming that limit.
    const big = JSON.stringify({ tool: 'demo.echo', idempotencyKey: 'big', args: { parts: Array.from({ length: 5 }, () => 'x'.repeat(100_000)) } });
    const tooBigArgs = await expectError(submitRaw(big), 400, 'invalid_request');
    expect(tooBigArgs.issues).toEqual([{ path: 'args', message: 'arguments must be JSON of at most 256 KiB' }]);
    expect(await h.db.prisma.action.count({ where: { idempotencyKey: { in: ['huge', 'big'] } } })).toBe(0);
  });
});

describe('content type', () => {
  it('answers 415 to a body sent as text/plain, form data or without a content type', async () => {
    const notJson: Record<string, string>[] = [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {}];
    for (const headers of notJson) {
      const error = await expectError(submitRaw(echoBody('ctype-1'), headers), 415, 'unsupported_media_type');
      expect(error.message).toMatch(/content-type: application\/json/);
    }
    expect(await h.db.prisma.action.count({ where: { idempotencyKey: 'ctype-1' } })).toBe(0);
    const decision = new Request(`http://airlock.test/api/v1/actions/${ANY_ACTION}/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'text/plain' },
      body: `{"decision":"deny","argsHash":"${'a'.repeat(64)}"}`,
    });
    await expectError(postDecision(decision, ctx, { id: ANY_ACTION }), 415, 'unsupported_media_type');
    const killSwitch = new Request('http://airlock.test/api/v1/kill-switch', {
      method: 'POST',
      // An admin's: a key below admin is refused 403 before its body is read.
      headers: { authorization: `Bearer ${keys.bob}`, 'content-type': 'text/plain' },
      body: '{"scope":"agent","target":"billing-bot","reason":"x"}',
    });
    await expectError(postKillSwitch(killSwitch, ctx), 415, 'unsupported_media_type');
  });

  it('accepts application/json with parameters and +json types', async () => {
    await expectJson(submitRaw(echoBody('ctype-2'), { 'content-type': 'application/json; charset=utf-8' }), 202, schemas.SubmittedActionView);
    await expectJson(submitRaw(echoBody('ctype-3'), { 'content-type': 'application/vnd.airlock+json' }), 202, schemas.SubmittedActionView);
  });

  it('the OpenAPI document lists 413 and 415 on routes with a body', () => {
    const post = openApiDocument().paths?.['/api/v1/actions']?.post;
    expect(Object.keys(post?.responses ?? {})).toEqual(expect.arrayContaining(['413', '415']));
  });
});

describe('a workflow started around the edge', () => {
  it('denies arguments over the limits visibly: an action row, an audit trail, a reason naming the limit', async () => {
    const request = {
      agentId: 'billing-bot',
      tool: 'x.unregistered',
      idempotencyKey: 'bypass-deep',
      rationale: '',
      args: JSON.parse(nestedText(2_000)) as Record<string, unknown>,
    };
    const actionId = deriveActionId(h.taskQueue, request.agentId, request.idempotencyKey);
    const input: GuardedActionInput = { actionId, argsHash: 'b'.repeat(64), request };
    const handle = await h.client.workflow.start(GUARDED_ACTION_WORKFLOW, { workflowId: workflowIdForAction(actionId), taskQueue: h.taskQueue, args: [input] });
    const outcome = (await handle.result()) as { status: string; reason?: string };
    expect(outcome).toMatchObject({ status: 'denied', reason: expect.stringMatching(/invalid arguments: args(\.a){32}: nested 33 levels deep; at most 32 levels allowed/) });
    const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(row).toMatchObject({ status: 'denied', args: {} });
    const types = (await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['action.requested', 'action.classified', 'action.completed']));
  });
});
