import { getAuthorization, postAction, postAuthorization, postDecision, postReport, schemas, type ApiContext } from '@airlock/console';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { apiRequest, contextOf, expectError, expectJson, seedKeys, waitForActionStatus, type ApiKeys } from './client.js';

// JSON.parse reads 1e999 as Infinity and 9007199254740993 as …992. Infinity was a 500 ("Infinity is not
// allowed", canonical JSON) from POST /actions, /authorizations and a report, and an approver's edit ran it as
// null: now a 400 naming the field. A rounded integer made two different requests one action: a new request's
// arguments refuse it; a report's output (the tool has run) keeps it.

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

const FINITE = 'must be a finite number';
const SAFE = 'integers beyond 2^53 lose precision; send it as a string';
/** A request body with `args` spliced in as JSON text, so the number reaches the server as typed. */
const withArgs = (args: string, idempotencyKey: string) => `{"tool":"demo.echo","args":${args},"rationale":"r","idempotencyKey":"${idempotencyKey}"}`;
const refund = (idempotencyKey: string) => ({
  tool: 'payments.refund',
  args: { paymentId: 'pay_9', amount: '125.00', currency: 'USD', reason: 'x' },
  rationale: 'r',
  idempotencyKey,
});

describe('numbers JSON cannot carry exactly', () => {
  it('POST /actions and /authorizations: 1e999 and an integer beyond 2^53 are a 400 naming the field, and nothing is started', async () => {
    // A plan's step arguments are any JSON object until each step is checked: there 1e999 was a 500 (canonical JSON).
    const planBody = `{"tool":"airlock.plan","args":{"steps":[{"tool":"demo.echo","args":{"message":"x","n":1e999}}]},"rationale":"r","idempotencyKey":"inf-plan"}`;
    const plan = await expectError(postAction(apiRequest('/api/v1/actions', { key: keys.agent, rawBody: planBody }), ctx), 400, 'invalid_request');
    expect(plan.issues).toEqual([{ path: 'args.steps.0.args.n', message: FINITE }]);
    for (const [route, handler] of [
      ['/api/v1/actions', postAction],
      ['/api/v1/authorizations', postAuthorization],
    ] as const) {
      const infinite = await expectError(
        handler(apiRequest(route, { key: keys.agent, rawBody: withArgs('{"message":"x","n":1e999}', `inf-${route}`) }), ctx),
        400,
        'invalid_request',
      );
      expect(infinite.issues).toEqual([{ path: 'args.n', message: FINITE }]);
      const rounded = await expectError(
        handler(apiRequest(route, { key: keys.agent, rawBody: withArgs('{"message":"x","ids":[9007199254740993]}', `big-${route}`) }), ctx),
        400,
        'invalid_request',
      );
      expect(rounded.issues).toEqual([{ path: 'args.ids.0', message: SAFE }]);
    }
    expect(
      await h.db.prisma.action.count({
        where: { idempotencyKey: { in: ['inf-/api/v1/actions', 'big-/api/v1/actions', 'inf-/api/v1/authorizations', 'big-/api/v1/authorizations', 'inf-plan'] } },
      }),
    ).toBe(0);
  });

  it('an approver’s editedArgs with 1e999 is a 400 naming the field, not an approval that runs null', async () => {
    const { actionId, argsHash } = await expectJson(
      postAction(apiRequest('/api/v1/actions', { key: keys.agent, body: refund('edit-inf') }), ctx),
      202,
      schemas.SubmittedActionView,
    );
    await waitForActionStatus(ctx, keys.alice, actionId, ['awaiting_approval']);
    const rawBody = `{"decision":"approve","argsHash":"${argsHash}","editedArgs":{"paymentId":"pay_9","amount":"120.00","currency":"USD","reason":"x","extra":1e999}}`;
    const refused = await expectError(
      postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key: keys.alice, rawBody }), ctx, { id: actionId }),
      400,
      'invalid_request',
    );
    expect(refused.issues).toEqual([{ path: 'editedArgs.extra', message: FINITE }]);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
  });

  it('POST /actions/:id/report: an output holding 1e999 is a 400 naming the field, and the action can still be reported, a 64-bit id in its output kept', async () => {
    const { actionId, argsHash } = await expectJson(
      postAuthorization(apiRequest('/api/v1/authorizations', { key: keys.agent, body: refund('report-inf') }), ctx),
      202,
      schemas.SubmittedActionView,
    );
    await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);
    await expectJson(
      postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key: keys.alice, body: { decision: 'approve', argsHash } }), ctx, { id: actionId }),
      200,
      schemas.DecideResultView,
    );
    const authorization = await expectJson(
      getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization?waitMs=20000`, { key: keys.agent }), ctx, { id: actionId }),
      200,
      schemas.AuthorizationView,
    );
    const report = (output: string) =>
      postReport(
        apiRequest(`/api/v1/actions/${actionId}/report`, {
          key: keys.agent,
          rawBody: `{"authorizationId":"${authorization.authorizationId}","args":${JSON.stringify(authorization.args)},"status":"succeeded","output":${output}}`,
        }),
        ctx,
        { id: actionId },
      );
    const refused = await expectError(report('{"total":1e999}'), 400, 'invalid_request');
    expect(refused.issues).toEqual([{ path: 'output.total', message: FINITE }]);
    // The tool has run: an output holding an API's 64-bit id (beside its id_str) is stored, not refused after the fact.
    const output = { id: 1866000000000000000, id_str: '1866000000000000000' };
    expect(await expectJson(report('{"id":1866000000000000000,"id_str":"1866000000000000000"}'), 200, schemas.ActionOutcome)).toEqual({ status: 'executed', actionId, output });
  });
});
