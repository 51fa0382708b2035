import { randomBytes } from 'node:crypto';
import { claimAgentRun, reportAgentRun, waitForAuthorization } from '@airlock/core/agent-gateway';
import { awaitOutcome } from '@airlock/core/gateway';
import { ACTION_APPROVE, type RunningSlackApp } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi } from './fake-slack-api.js';
import { buttonClick, buttons, send, signInteraction, visibleText, type SlackClicker } from './interactions.js';
import { postedMessage, startTestSlackApp } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// A gate-only action (the agent runs the tool itself) approved in Slack: the message follows the agent's run as it
// follows a worker's, from the runner's claim to the agent's report, against real Temporal and PostgreSQL.

const BOT_TOKEN = 'xoxb-airlock-gate-only-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };

let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp;
let eventsUrl: string;

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: alice.id, name: 'alice', email: 'alice@example.test' }] }));
  const started = await startTestSlackApp(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  slack = started;
  eventsUrl = started.url;
});

afterAll(() => closeSlackTestBed({ app: slack, fake, h }));

describe('a gate-only action approved in Slack', () => {
  it('shows the runner’s claim as running, then the failure the agent reported as a failed run with its error, never as "not run"', async () => {
    const request = refundRequest({ amount: '125.00', execution: 'agent', reportWithinMs: 60 * 60_000 });
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, request);
    const message = await postedMessage(fake, actionId);
    expect((await send(eventsUrl, signInteraction(buttonClick(message, ACTION_APPROVE, alice), { secret: SIGNING_SECRET }))).status).toBe(200);

    const authorized = await waitForAuthorization(h.client, actionId, 20_000);
    if (authorized.state !== 'authorized') throw new Error(`not authorized: ${JSON.stringify(authorized)}`);
    const { authorizationId } = authorized.authorization;
    await claimAgentRun(h.client, actionId, { authorizationId, runnerId: 'runner-1' });
    const running = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes('claimed by a runner of the agent'));
    expect(visibleText(running)).toMatch(/:gear: `payments\.refund` claimed by a runner of the agent <!date\^\d+\^[^>]+>: running/);
    expect(buttons(running.blocks)).toEqual([]);

    await reportAgentRun(h.client, actionId, { authorizationId, args: request.args, status: 'failed', error: 'exit code 1: partial delete' });
    expect(await awaitOutcome(h.client, actionId)).toEqual({ status: 'failed', actionId, error: 'exit code 1: partial delete' });
    const done = await fake.waitForMessage(message.channel, message.ts, (m) => visibleText(m).includes(':x: `payments.refund` failed'));
    const text = visibleText(done);
    expect(text).toContain('Approved by alice');
    expect(text).toMatch(/:x: `payments\.refund` failed <!date\^\d+\^[^>]+>, as the agent reported: exit code 1: partial delete/);
    expect(text).not.toContain('not run');
  });
});
