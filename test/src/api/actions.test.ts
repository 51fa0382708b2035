import { getAction, getAuthorization, getOutcome, postAction, postActionCancel, postAuthorization, postDecision, postReport, schemas } from '@airlock/console';
import { decideAction } from '@airlock/core/gateway';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it, vi } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

const { h, ctx, keys } = useApiHarness();

const refund = (idempotencyKey: string, amount = '125.00') => ({
  tool: 'payments.refund',
  args: { paymentId: 'pay_123', amount, currency: 'USD', reason: 'duplicate charge' },
  rationale: 'The customer was charged twice for order 881.',
  idempotencyKey,
});
const echo = (idempotencyKey: string, message = 'hello') => ({ tool: 'demo.echo', args: { message }, rationale: 'smoke', idempotencyKey });

const submit = (body: unknown, key = keys.agent) => postAction(apiRequest('/api/v1/actions', { key, body }), ctx);
const read = (actionId: string, key: string) => getAction(apiRequest(`/api/v1/actions/${actionId}`, { key }), ctx, { id: actionId });
const outcome = (actionId: string, key: string, waitMs?: number) =>
  getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome${waitMs === undefined ? '' : `?waitMs=${waitMs}`}`, { key }), ctx, { id: actionId });
const created = (body: unknown) => expectJson(submit(body), 202, schemas.SubmittedActionView);

describe('POST /api/v1/actions', () => {
  it('starts an action for the key’s agent and reports it through GET and the outcome', async () => {
    const response = await submit(echo('echo-1'));
    const submitted = await expectJson(response, 202, schemas.SubmittedActionView);
    const { actionId } = submitted;
    expect(submitted).toEqual({
      actionId,
      created: true,
      argsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      links: { self: `/api/v1/actions/${actionId}`, outcome: `/api/v1/actions/${actionId}/outcome` },
    });
    expect(response.headers.get('location')).toBe(submitted.links.self);

    const done = await expectJson(outcome(actionId, keys.agent, 20_000), 200, schemas.ActionOutcome);
    expect(done).toEqual({ status: 'executed', actionId, output: { message: 'hello' } });

    const view = await expectJson(read(actionId, keys.agent), 200, schemas.ActionView);
    const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(view.reasons).toEqual(row.riskReasons);
    expect(view.reasons.length).toBeGreaterThan(0);
    expect(view).toMatchObject({
      id: actionId,
      agentId: 'billing-bot',
      tool: 'demo.echo',
      args: { message: 'hello' },
      argsHash: submitted.argsHash,
      status: 'executed',
      tier: 'low',
      outcome: { status: 'executed', actionId },
      approval: null,
      workflow: null,
    });
  });

  it('maps a repeated idempotency key to the same action (200) and refuses it with other arguments (409)', async () => {
    const first = await created(refund('refund-idem', '10.00'));
    const again = await expectJson(submit(refund('refund-idem', '10.00')), 200, schemas.SubmittedActionView);
    expect(again).toEqual({ ...first, created: false });
    const conflict = await expectError(submit(refund('refund-idem', '11.00')), 409, 'idempotency_conflict');
    expect(conflict.message).toMatch(/refund-idem/);
  });

  it('refuses a repeated key naming another requestedBy (409 naming the field): who it is for decides who may not approve it', async () => {
    const forAlice = { ...refund('refund-for'), requestedBy: 'alice' };
    const first = await created(forAlice);
    expect(await expectJson(submit(forAlice), 200, schemas.SubmittedActionView)).toEqual({ ...first, created: false });
    const other = await expectError(submit({ ...forAlice, requestedBy: 'bob' }), 409, 'idempotency_conflict');
    expect(other.message).toBe(`idempotency key "refund-for" was already used by action ${first.actionId} with a different requestedBy ("alice"; this request names "bob")`);
    const nobody = await expectError(submit(refund('refund-for')), 409, 'idempotency_conflict');
    expect(nobody.message).toMatch(/requestedBy \("alice"; this request names nobody\)/);
    // Only the prose and the self-reported signals may differ on a retry (an agent rewording its rationale is the same request).
    const reworded = { ...forAlice, rationale: 'Charged twice, order 881.', signals: { confidence: 0.9 } };
    expect(await expectJson(submit(reworded), 200, schemas.SubmittedActionView)).toEqual({ ...first, created: false });
  });

  it('forecasts from the policy whether people decide: admission in the first workflow task only for those', async () => {
    const inputOf = async (actionId: string) => {
      const history = await h.client.workflow.getHandle(`action-${actionId}`).fetchHistory();
      const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      if (!payload) throw new Error(`no input in the history of ${actionId}`);
      return defaultPayloadConverter.fromPayload<{ expectsApproval?: boolean }>(payload);
    };
    const waits = await created(refund('forecast-waits'));
    const runs = await created(echo('forecast-runs'));
    // Within the agent's tools (payments.*), but registered by no worker.
    const unknown = await created({ tool: 'payments.chargeback', args: {}, idempotencyKey: 'forecast-unknown' });
    expect((await inputOf(waits.actionId)).expectsApproval).toBe(true);
    expect((await inputOf(runs.actionId)).expectsApproval).toBeUndefined();
    // The console does not know which tools the workers register: the rules (unmatched: approval) forecast it.
    expect((await inputOf(unknown.actionId)).expectsApproval).toBe(true);
    await waitForActionStatus(ctx, keys.agent, waits.actionId, ['awaiting_approval']);
    expect(await expectJson(outcome(runs.actionId, keys.agent, 20_000), 200, schemas.ActionOutcome)).toMatchObject({ status: 'executed' });
    // Admission denies it in the first task, as any unknown tool.
    expect(await expectJson(outcome(unknown.actionId, keys.agent, 20_000), 200, schemas.ActionOutcome)).toMatchObject({ status: 'denied' });
  });

  it('accepts an unknown tool; the workflow denies it and says why', async () => {
    const { actionId } = await created({ tool: 'db.drop_everything', args: {}, idempotencyKey: 'unknown-1' });
    const done = await expectJson(outcome(actionId, keys.agent, 20_000), 200, schemas.ActionOutcome);
    expect(done).toMatchObject({ status: 'denied', reason: expect.stringMatching(/unknown tool "db.drop_everything"/) });
  });

  it('refuses arguments that break the tool’s schema with 400 naming args.amount, starting nothing', async () => {
    const body = { ...refund('bad-args'), args: { paymentId: 'pay_1', amount: '-5', currency: 'USD', reason: 'x' } };
    const error = await expectError(submit(body), 400, 'invalid_request');
    expect(error.message).toMatch(/args\.amount/);
    expect(error.issues).toContainEqual({ path: 'args.amount', message: 'a decimal amount like "125.50"' });
    expect(await h.db.prisma.action.count({ where: { idempotencyKey: 'bad-args' } })).toBe(0);
  });

  it('refuses a malformed plan with 400 naming the step’s field, starting nothing (no action, no audit, key unused)', async () => {
    const plan = (idempotencyKey: string, steps: unknown) => ({ tool: 'airlock.plan', args: { steps }, rationale: 'plan', idempotencyKey });
    const empty = await expectError(submit(plan('plan-empty', [])), 400, 'invalid_request');
    expect(empty.issues).toEqual([{ path: 'args.steps', message: expect.any(String) }]);
    const noArgs = await expectError(submit(plan('plan-no-args', [{ tool: 'demo.echo' }])), 400, 'invalid_request');
    expect(noArgs.issues).toEqual([{ path: 'args.steps.0.args', message: expect.stringMatching(/^required/) }]);
    const extra = await expectError(submit(plan('plan-extra', [{ tool: 'demo.echo', args: { message: 'a' }, x: 1 }])), 400, 'invalid_request');
    expect(extra.issues).toEqual([{ path: 'args.steps.0.x', message: expect.any(String) }]);
    const badStep = await expectError(submit(plan('plan-bad-step', [{ tool: 'demo.echo', args: { message: 1 } }])), 400, 'invalid_request');
    expect(badStep.issues).toEqual([{ path: 'args.steps.0.args.message', message: expect.any(String) }]);
    const refused = ['plan-empty', 'plan-no-args', 'plan-extra', 'plan-bad-step'];
    expect(await h.db.prisma.action.count({ where: { idempotencyKey: { in: refused } } })).toBe(0);
    // The key is unused: a well-formed plan under it is a new action.
    expect(await created(plan('plan-bad-step', [{ tool: 'demo.echo', args: { message: 'a' } }]))).toMatchObject({ created: true });
  });

  it('names a missing field, refuses a body agentId, and tells invalid JSON apart', async () => {
    const missing = await expectError(submit({ tool: 'demo.echo', args: { message: 'x' } }), 400, 'invalid_request');
    expect(missing.issues).toEqual([{ path: 'idempotencyKey', message: expect.any(String) }]);

    const spoofed = await expectError(submit({ ...echo('spoof'), agentId: 'support-bot' }), 400, 'invalid_request');
    // The field is named once: "agentId: not accepted: …", never "agentId: agentId is not accepted".
    expect(spoofed.message).toBe('invalid request body: agentId: not accepted: the agent is the owner of the API key');
    expect(spoofed.issues).toEqual([{ path: 'agentId', message: 'not accepted: the agent is the owner of the API key' }]);

    await expectError(postAction(apiRequest('/api/v1/actions', { key: keys.agent, rawBody: '{"tool":' }), ctx), 400, 'invalid_json');
  });

  it('requires an agent key: none, unknown or revoked is 401, a user key is 403', async () => {
    await expectError(postAction(apiRequest('/api/v1/actions', { body: echo('auth-1') }), ctx), 401, 'unauthenticated');
    const unknown = await expectError(submit(echo('auth-1'), 'alk_not-a-real-key'), 401, 'unauthenticated');
    const revoked = await expectError(submit(echo('auth-1'), keys.revoked), 401, 'unauthenticated');
    // Indistinguishable on purpose: a caller learns nothing about which keys exist.
    expect(revoked.message).toBe(unknown.message);
    await expectError(submit(echo('auth-1'), keys.alice), 403, 'forbidden');
  });
});

describe('GET /api/v1/actions/:id and /outcome', () => {
  it('shows an agent its own action with the live phase and approval, and hides it from other agents', async () => {
    const { actionId } = await created(refund('visible-1'));
    const pending = await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);
    expect(pending).toMatchObject({
      tier: 'high',
      reasons: [expect.stringMatching(/50\.00/)],
      approval: { status: 'open', round: 1, approverRole: 'approver', quorum: { approvals: 0, required: 1, denials: 0 }, decisions: [] },
    });
    // The row may say awaiting_approval an instant before the workflow's own phase does.
    const live = await expectJson(read(actionId, keys.agent), 200, schemas.ActionView);
    expect(['classifying', 'awaiting_approval']).toContain(live.workflow?.phase);

    await expectError(read(actionId, keys.otherAgent), 404, 'not_found');
    await expectError(outcome(actionId, keys.otherAgent), 404, 'not_found');
    await expectJson(read(actionId, keys.victor), 200, schemas.ActionView);
  });

  it('long-polls the outcome: 202 pending while waiting for a human, 200 once decided', async () => {
    const { actionId, argsHash } = await created(refund('poll-1'));
    await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);
    expect(await expectJson(outcome(actionId, keys.agent), 202, schemas.PendingOutcome)).toEqual({ status: 'pending', actionId });
    await expectJson(outcome(actionId, keys.agent, 300), 202, schemas.PendingOutcome);

    const waiting = expectJson(outcome(actionId, keys.agent, 20_000), 200, schemas.ActionOutcome);
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    expect(await waiting).toMatchObject({ status: 'executed', actionId });
    // Once done, the stored outcome answers at once.
    expect(await expectJson(outcome(actionId, keys.agent), 200, schemas.ActionOutcome)).toMatchObject({ status: 'executed' });
  });

  it('holds one long poll through a wait that runs out, not a request every few milliseconds at its end', async () => {
    const { actionId } = await created(refund('poll-quiet'));
    await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);
    // The real client, counted: Temporal answers a history long poll at once in the last second before its deadline.
    const historyPolls = vi.spyOn(h.client.workflowService, 'getWorkflowExecutionHistory');
    let polls: number;
    try {
      const started = Date.now();
      expect(await expectJson(outcome(actionId, keys.agent, 2_500), 202, schemas.PendingOutcome)).toEqual({ status: 'pending', actionId });
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_400);
    } finally {
      polls = historyPolls.mock.calls.length;
      historyPolls.mockRestore();
    }
    // One poll held for the whole wait (a few more only if the workflow appended events meanwhile); hundreds before.
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(polls).toBeLessThan(10);
  });

  it('validates waitMs and answers 404 for ids that name no action', async () => {
    const { actionId } = await created(echo('wait-bad'));
    const tooLong = await expectError(outcome(actionId, keys.agent, 30_001), 400, 'invalid_request');
    expect(tooLong.issues).toEqual([{ path: 'waitMs', message: expect.any(String) }]);

    const unknownId = '00000000-0000-5000-8000-000000000000';
    await expectError(read(unknownId, keys.alice), 404, 'not_found');
    await expectError(outcome(unknownId, keys.alice), 404, 'not_found');
    await expectError(read('not-an-id', keys.alice), 404, 'not_found');
  });

  it('answers 202 for an action accepted while no worker runs, then the full view once admitted', async () => {
    await h.worker.stop();
    let actionId: string;
    try {
      ({ actionId } = await created(echo('no-worker', 'later')));
      expect(await expectJson(read(actionId, keys.agent), 202, schemas.PendingAction)).toEqual({ status: 'requested', actionId });
      await expectJson(outcome(actionId, keys.agent), 202, schemas.PendingOutcome);
    } finally {
      h.worker = await h.startWorker();
    }
    expect(await expectJson(outcome(actionId, keys.agent, 20_000), 200, schemas.ActionOutcome)).toMatchObject({ status: 'executed' });
    await expectJson(read(actionId, keys.agent), 200, schemas.ActionView);
  });
});

// JSON.parse reads 1e999 as Infinity and 9007199254740993 as …992. Infinity was a 500 ("Infinity is not
// allowed", canonical JSON) from POST /actions, /authorizations and a report, and an approver's edit ran it as
// null: now a 400 naming the field. A rounded integer made two different requests one action: a new request's
// arguments refuse it; a report's output (the tool has run) keeps it.

const FINITE = 'must be a finite number';
const SAFE = 'integers beyond 2^53 lose precision; send it as a string';
/** A request body with `args` spliced in as JSON text, so the number reaches the server as typed. */
const withArgs = (args: string, idempotencyKey: string) => `{"tool":"demo.echo","args":${args},"rationale":"r","idempotencyKey":"${idempotencyKey}"}`;
describe('POST /api/v1/actions/:id/cancel', () => {
  const cancel = (actionId: string, key: string) => postActionCancel(apiRequest(`/api/v1/actions/${actionId}/cancel`, { key }), ctx, { id: actionId });
  const cancelRequests = (actionId: string) => h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.cancel_requested' } });

  it('cancels a pending action (audited); a finished one is a 409 with its outcome unchanged and no cancellation audited', async () => {
    const { actionId } = await created(refund('cancel-pending'));
    await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);
    expect(await expectJson(cancel(actionId, keys.agent), 202, schemas.CancelResult)).toEqual({ actionId, cancelRequested: true });
    expect(await expectJson(outcome(actionId, keys.agent, 20_000), 200, schemas.ActionOutcome)).toMatchObject({ status: 'cancelled' });
    expect(await cancelRequests(actionId)).toBe(1);

    const ran = await created(echo('cancel-finished'));
    const executed = await expectJson(outcome(ran.actionId, keys.agent, 20_000), 200, schemas.ActionOutcome);
    expect(executed).toMatchObject({ status: 'executed' });
    for (const key of [keys.agent, keys.bob]) {
      expect((await expectError(cancel(ran.actionId, key), 409, 'conflict')).message).toMatch(/has finished; its outcome stands/);
    }
    expect(await expectJson(outcome(ran.actionId, keys.agent), 200, schemas.ActionOutcome)).toEqual(executed);
    expect(await cancelRequests(ran.actionId)).toBe(0);
    // Another agent's action does not exist for it, finished or not.
    await expectError(cancel(ran.actionId, keys.otherAgent), 404, 'not_found');
  });
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
    const rawBody = `{"decision":"approve","argsHash":"${argsHash}","editedArgs":{"paymentId":"pay_123","amount":"120.00","currency":"USD","reason":"duplicate charge","extra":1e999}}`;
    const refused = await expectError(
      postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key: keys.alice, rawBody }), ctx, { id: actionId }),
      400,
      'invalid_request',
    );
    expect(refused.issues).toEqual([{ path: 'editedArgs.extra', message: FINITE }]);
    expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
  });

  /** A refund authorized after alice's approval, and its report sent as raw JSON text (1e999 cannot be written from JS). */
  async function approvedRefundReport(idempotencyKey: string) {
    const { actionId, argsHash } = await expectJson(
      postAuthorization(apiRequest('/api/v1/authorizations', { key: keys.agent, body: refund(idempotencyKey) }), ctx),
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
    return { actionId, report };
  }

  it('POST /actions/:id/report: an output holding 1e999 is recorded, the tool having run, in the storable form naming the field', async () => {
    const { actionId, report } = await approvedRefundReport('report-inf');
    const output = { airlock: 'output not storable as sent', problem: `output.total: ${FINITE}`, json: '{"total":null}' };
    expect(await expectJson(report('{"total":1e999}'), 200, schemas.ActionOutcome)).toEqual({ status: 'executed', actionId, output });
  });

  it("POST /actions/:id/report: an output holding an API's 64-bit id (beside its id_str) is stored as sent, not refused after the fact", async () => {
    const { actionId, report } = await approvedRefundReport('report-64');
    const output = { id: 1866000000000000000, id_str: '1866000000000000000' };
    expect(await expectJson(report('{"id":1866000000000000000,"id_str":"1866000000000000000"}'), 200, schemas.ActionOutcome)).toEqual({ status: 'executed', actionId, output });
  });
});
