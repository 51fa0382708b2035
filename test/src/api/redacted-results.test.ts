import { getActionStatusView, getAuthorization, getOutcome, postAction, schemas, type ApiContext } from '@airlock/console';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRequest, expectJson, useApiHarness, waitForActionStatus } from './client.js';
import { gateOnlyAgent } from './gate-only.js';

// What a tool returned or failed with is stored redacted (the outcome, its execution row, its audit rows), and a
// person's key reads it as stored; only the agent that asked gets it from the workflow as it was.

const { h, ctx, keys } = useApiHarness();
const { authorized, report } = gateOnlyAgent(ctx, keys);

const PII = /dana@example\.test|4111 1111 1111 1111/;
const EMAIL = 'dana@example.test';

const outcomeOf = (actionId: string, key: string, waitMs = 20_000, context: ApiContext = ctx) =>
  expectJson(getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome?waitMs=${waitMs}`, { key }), context, { id: actionId }), 200, schemas.ActionOutcome);
const statusOf = (actionId: string, key: string) =>
  expectJson(
    getActionStatusView(apiRequest(`/api/v1/actions/${actionId}/status`, { key }), ctx, { id: actionId }),
    200,
    schemas.ActionLiveStatus.and(z.object({ outcome: schemas.ActionOutcome.optional() })),
  );
/** A worker-run action of the agent's, ended with one of `statuses`. */
async function submitted(tool: string, message: string, idempotencyKey: string, statuses: schemas.ActionView['status'][]) {
  const body = { tool, args: { message }, rationale: 'redaction of results', idempotencyKey };
  const { actionId } = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
  await waitForActionStatus(ctx, keys.agent, actionId, statuses);
  return actionId;
}

/** The handlers' context, with a promise that settles once a wait on the workflow's result has begun (its deadline set). */
function watchingWaits(): { context: ApiContext; waiting: Promise<void> } {
  let began!: () => void;
  const waiting = new Promise<void>((resolve) => (began = resolve));
  const withDeadline: ApiContext['temporal']['withDeadline'] = (deadline, fn) => {
    began();
    return ctx.temporal.withDeadline(deadline, fn);
  };
  const temporal = Object.create(ctx.temporal, { withDeadline: { value: withDeadline } }) as ApiContext['temporal'];
  return { context: { ...ctx, temporal }, waiting };
}

/** The action's stored outcome, execution rows and audit payloads, as one text. */
async function storedText(actionId: string): Promise<string> {
  const action = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
  const executions = await h.db.prisma.toolExecution.findMany({ where: { actionId } });
  const audit = await h.db.prisma.auditEvent.findMany({ where: { actionId } });
  return JSON.stringify([action.outcome, executions.map((e) => [e.result, e.error]), audit.map((e) => e.payload)]);
}

describe('what a tool returned reaches a person as stored: redacted', () => {
  it('GET /status and /outcome: a viewer reads the stored outcome of an echo of an e-mail address; its agent reads it as returned', async () => {
    const actionId = await submitted('demo.echo', EMAIL, 'redacted-echo', ['executed']);
    const stored = schemas.ActionOutcome.parse((await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).outcome);
    expect(stored).toEqual({ status: 'executed', actionId, output: { message: '[REDACTED:email]' } });
    for (const key of [keys.victor, keys.alice, keys.bob]) {
      const live = await statusOf(actionId, key);
      expect(live.outcome).toEqual(stored);
      expect(JSON.stringify(live)).not.toMatch(PII);
      expect(await outcomeOf(actionId, key)).toEqual(stored);
    }
    expect((await statusOf(actionId, keys.agent)).outcome).toEqual({ status: 'executed', actionId, output: { message: EMAIL } });
  });

  it('GET /outcome?waitMs: a viewer waiting before the outcome is recorded gets it redacted; the agent waiting gets it as reported', async () => {
    const { actionId, fields } = await authorized('redacted-wait');
    const viewer = watchingWaits();
    const agent = watchingWaits();
    const viewerRead = outcomeOf(actionId, keys.victor, 20_000, viewer.context);
    const agentRead = outcomeOf(actionId, keys.agent, 20_000, agent.context);
    // Both found no outcome recorded and wait on the workflow's result.
    await Promise.all([viewer.waiting, agent.waiting]);
    await expectJson(report(actionId, { ...fields, status: 'succeeded', output: { message: EMAIL } }), 200, schemas.ActionOutcome);
    expect(await viewerRead).toEqual({ status: 'executed', actionId, output: { message: '[REDACTED:email]' } });
    expect(await agentRead).toEqual({ status: 'executed', actionId, output: { message: EMAIL } });
  });
});

describe('a reported outcome read through GET /authorization', () => {
  it('a person’s key reads a finished gate-only action’s outcome as stored (redacted); its agent as reported', async () => {
    const { actionId, fields } = await authorized('redacted-authorization-read');
    await expectJson(report(actionId, { ...fields, status: 'succeeded', output: { message: EMAIL } }), 200, schemas.ActionOutcome);
    await waitForActionStatus(ctx, keys.agent, actionId, ['executed']);
    const read = (key: string) => expectJson(getAuthorization(apiRequest(`/api/v1/actions/${actionId}/authorization`, { key }), ctx, { id: actionId }), 200, schemas.ActionOutcome);
    expect(await read(keys.victor)).toEqual({ status: 'executed', actionId, output: { message: '[REDACTED:email]' } });
    expect(await read(keys.agent)).toEqual({ status: 'executed', actionId, output: { message: EMAIL } });
  });
});

describe('a tool’s error is stored redacted wherever it is stored', () => {
  const error = `refund for ${EMAIL} on card 4111 1111 1111 1111 declined`;
  const redacted = 'refund for [REDACTED:email] on card [REDACTED:card] declined';

  it('a worker’s tool failing with an e-mail address and a card number: execution row, tool.failed and the outcome', async () => {
    const actionId = await submitted('demo.fail', error, 'redacted-failure', ['failed']);
    const execution = await h.db.prisma.toolExecution.findFirstOrThrow({ where: { actionId } });
    expect(execution).toMatchObject({ status: 'failed', error: redacted });
    const failed = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type: 'tool.failed' } });
    expect(failed.payload).toEqual({ tool: 'demo.fail', error: redacted });
    expect(await outcomeOf(actionId, keys.victor)).toEqual({ status: 'failed', actionId, error: redacted });
    expect(await storedText(actionId)).not.toMatch(PII);
  });

  it('a gate-only report of such a failure: execution row, tool.reported and the outcome', async () => {
    const { actionId, fields } = await authorized('redacted-report-failure');
    await expectJson(report(actionId, { ...fields, status: 'failed', error }), 200, schemas.ActionOutcome);
    await waitForActionStatus(ctx, keys.agent, actionId, ['failed']);
    const execution = await h.db.prisma.toolExecution.findFirstOrThrow({ where: { actionId } });
    expect(execution).toMatchObject({ status: 'failed', error: redacted });
    const reported = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type: 'tool.reported' } });
    expect(reported.payload).toEqual({ tool: 'demo.echo', status: 'failed', error: redacted });
    expect(await outcomeOf(actionId, keys.victor)).toEqual({ status: 'failed', actionId, error: redacted });
    expect(await storedText(actionId)).not.toMatch(PII);
  });
});

describe('an output with no stored JSON form is redacted as a value before it becomes text', () => {
  it('a report of credentials beside a NUL: cookie, pin, authorization and otp are stored redacted, by their keys', async () => {
    const { actionId, fields } = await authorized('redacted-unstorable');
    const output = { session: { cookie: 'sid=9f8e7d6c5b4a', pin: 4321, authorization: 'Basic dXNlcjpodW50ZXIy', otp: '884213' }, note: 'bad\u0000byte' };
    const answered = await expectJson(report(actionId, { ...fields, status: 'succeeded', output }), 200, schemas.ActionOutcome);
    await waitForActionStatus(ctx, keys.agent, actionId, ['executed']);
    const stored = schemas.ActionOutcome.parse((await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).outcome);
    expect(stored).toEqual(answered);
    const json = z.object({ output: z.object({ json: z.string() }) }).parse(stored).output.json;
    expect(JSON.parse(json)).toEqual({
      session: { cookie: '[REDACTED:secret]', pin: '[REDACTED:secret]', authorization: '[REDACTED:secret]', otp: '[REDACTED:secret]' },
      note: 'bad\u0000byte',
    });
    const execution = await h.db.prisma.toolExecution.findFirstOrThrow({ where: { actionId } });
    expect(execution.result).toEqual(z.object({ output: z.unknown() }).parse(stored).output);
    expect(await storedText(actionId)).not.toMatch(/sid=9f8e7d6c5b4a|dXNlcjpodW50ZXIy/);
  });

  it('a stored form a client wrote itself (the Python client’s, its text cut): its credential-named values are stored redacted, the cut marker kept', async () => {
    const { actionId, fields } = await authorized('redacted-client-form');
    const json = '{"session":{"cookie":"sid=9f8e7d6c5b4a","pin":4321,"authorization":"Basic dXNlcjpodW50ZXIy"},"blob":"xxxx… [cut by Airlock: 10 of 110 characters]';
    const output = { airlock: 'output not storable as sent', problem: 'output: JSON of 17000511 bytes, more than a report carries (14680064)', json };
    await expectJson(report(actionId, { ...fields, status: 'succeeded', output }), 200, schemas.ActionOutcome);
    await waitForActionStatus(ctx, keys.agent, actionId, ['executed']);
    const stored = schemas.ActionOutcome.parse((await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).outcome);
    expect(z.object({ output: z.object({ json: z.string() }) }).parse(stored).output.json).toBe(
      '{"session":{"cookie":"[REDACTED:secret]","pin":"[REDACTED:secret]","authorization":"[REDACTED:secret]"},"blob":"xxxx… [cut by Airlock: 10 of 110 characters]',
    );
    expect(JSON.stringify(await outcomeOf(actionId, keys.victor))).not.toMatch(/sid=9f8e7d6c5b4a|dXNlcjpodW50ZXIy|4321/);
  });
});
