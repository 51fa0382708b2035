import { createHash, randomBytes } from 'node:crypto';
import { awaitOutcome } from '@airlock/core/gateway';
import { ACTION_APPROVE, ACTION_DENY, PostgresSeenRequests, ReplayGuard, type RunningSlackApp } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi } from './fake-slack-api.js';
import { buttonClick, send, signInteraction, type SignedRequest, type SlackClicker } from './interactions.js';
import { postedMessage, startTestSlackApp } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// Slack's retries of a click whose first delivery is still marked in flight (the replay guard's `inflight:`
// key, 45 s). Slack retries a request it got no 2xx for (about 3 s, 1 minute and 5 minutes after it) and a 2xx
// ends its retries, so such a retry is answered 503: the click is acted on by a later retry if the first
// delivery died, and by nobody else if it finished. Real Bolt receiver, real Temporal and PostgreSQL, fake Web API.

const BOT_TOKEN = 'xoxb-airlock-in-flight-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };

let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp;
let eventsUrl: string;
const logLines: { level: number; msg: string }[] = [];

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({ botToken: BOT_TOKEN, users: [{ id: alice.id, name: 'alice', email: 'alice@example.test' }] }));
  const started = await startTestSlackApp(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, logLines, pollIntervalMs: 300 });
  slack = started;
  eventsUrl = started.url;
});

afterAll(async () => {
  await closeSlackTestBed({ app: slack, fake, h });
});

const decisions = (actionId: string) => h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } });
const actionStatus = async (actionId: string) => (await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } })).status;
const logged = (msg: string) => logLines.some((l) => l.msg === msg);
const bodyHash = (request: SignedRequest) => createHash('sha256').update(request.body).digest('hex');
/** What the clicker was told ephemerally since `from` (an index into the fake's calls). */
const toldAlice = (from: number) =>
  fake
    .calls('chat.postEphemeral')
    .slice(from)
    .filter((c) => c.args.user === alice.id);

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; !(await condition()); i += 1) {
    if (i > 400) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Slack's `num`th retry of `first`: the same body, signed again `afterSeconds` later. */
function retryOf(first: SignedRequest, payload: unknown, num: number, afterSeconds: number): SignedRequest {
  const again = signInteraction(payload, { secret: SIGNING_SECRET, timestamp: Number(first.headers['x-slack-request-timestamp']) + afterSeconds });
  expect(again.body).toBe(first.body);
  return { ...again, headers: { ...again.headers, 'x-slack-retry-num': String(num), 'x-slack-retry-reason': 'http_timeout' } };
}

/** `ms` pass for the guard's memory of this body (its in-flight, body and acted keys expire that much sooner). */
async function elapse(first: SignedRequest, ms: number): Promise<void> {
  const hash = bodyHash(first);
  await h.db.pool.query(`UPDATE slack_seen_requests SET expires_at = expires_at - $2::int * interval '1 millisecond' WHERE key = ANY($1::text[])`, [
    [`body:${hash}`, `inflight:${hash}`, `acted:${hash}`],
    ms,
  ]);
}

async function markedActed(first: SignedRequest): Promise<void> {
  const key = `acted:${bodyHash(first)}`;
  await waitFor('the click to be marked acted', async () => (await h.db.prisma.slackSeenRequest.count({ where: { key } })) > 0);
}

describe("Slack's retry of a click whose first delivery is still marked in flight", () => {
  it('is answered 503 when the first delivery died after the guard stored it, and the next retry (past the mark) decides once', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const payload = buttonClick(await postedMessage(fake, actionId), ACTION_APPROVE, alice);
    const first = signInteraction(payload, { secret: SIGNING_SECRET });
    const told = fake.calls('chat.postEphemeral').length;
    // The first delivery reached a replica (this guard, sharing the table) that died right after the guard's insert.
    expect(await new ReplayGuard(SIGNING_SECRET, new PostgresSeenRequests(h.db)).admit(first.headers, first.body)).toEqual({ ok: true });

    // Slack's first retry, 3 s on: inside the in-flight mark. Not a 2xx, so Slack sends it again.
    expect((await send(eventsUrl, retryOf(first, payload, 1, 3))).status).toBe(503);
    expect(logged('answered 503 to a retry of a request still being acted on, so Slack sends it again later (X-Slack-Retry-Num: 1)')).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await decisions(actionId)).toBe(0);
    expect(await actionStatus(actionId)).toBe('awaiting_approval');

    // Its second retry, about a minute on: the mark has expired and nothing marked the click acted.
    await elapse(first, 60_000);
    const second = retryOf(first, payload, 2, 60);
    expect((await send(eventsUrl, second)).status).toBe(200);
    expect(logged('acting on a retry of a request not acted on before (X-Slack-Retry-Num: 2)')).toBe(true);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    expect(await decisions(actionId)).toBe(1);
    await markedActed(first);

    // Its third retry (had the answer been lost): acted on already, so 200 and nothing more.
    const third = retryOf(first, payload, 3, 90);
    expect((await send(eventsUrl, third)).status).toBe(200);
    expect(logged('ignored a retry of a request already acted on (X-Slack-Retry-Num: 3)')).toBe(true);
    // The same request again, or the body under a signature made without the secret: refused as ever.
    expect((await send(eventsUrl, third)).status).toBe(401);
    const forged = signInteraction(payload, { secret: 'not-the-signing-secret' });
    expect((await send(eventsUrl, { ...forged, headers: { ...forged.headers, 'x-slack-retry-num': '1' } })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(await decisions(actionId)).toBe(1);
    expect(toldAlice(told)).toEqual([]);
  });

  it('is answered 503 while the first delivery is still running; once that one has finished, the next retry is answered 200 and not acted on', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const payload = buttonClick(await postedMessage(fake, actionId), ACTION_DENY, alice);
    const first = signInteraction(payload, { secret: SIGNING_SECRET });
    const opensOf = () => fake.calls('views.open').filter((c) => JSON.stringify(c.args.view).includes(actionId));
    const told = fake.calls('chat.postEphemeral').length;
    // The first delivery's listener is still waiting for Slack to open its modal when the retry comes.
    const held = fake.holdNextAnswer('views.open', (args) => JSON.stringify(args.view).includes(actionId));
    const firstAnswer = send(eventsUrl, first);
    await fake.waitForCall('views.open', (c) => JSON.stringify(c.args.view).includes(actionId));
    expect((await send(eventsUrl, retryOf(first, payload, 1, 3))).status).toBe(503);
    held.release();
    expect((await firstAnswer).status).toBe(200);
    await markedActed(first);

    await elapse(first, 60_000);
    expect((await send(eventsUrl, retryOf(first, payload, 2, 60))).status).toBe(200);
    expect(logged('ignored a retry of a request already acted on (X-Slack-Retry-Num: 2)')).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    // One modal, from the first delivery; the clicker was shown nothing else.
    expect(opensOf()).toHaveLength(1);
    expect(toldAlice(told)).toEqual([]);
    expect(await decisions(actionId)).toBe(0);
  });

  it('is answered 200 and not acted on when the first delivery has already finished, in flight or not', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
    const payload = buttonClick(await postedMessage(fake, actionId), ACTION_APPROVE, alice);
    const first = signInteraction(payload, { secret: SIGNING_SECRET });
    const told = fake.calls('chat.postEphemeral').length;
    expect((await send(eventsUrl, first)).status).toBe(200);
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    await markedActed(first);
    // 3 s on, its in-flight mark still there: the acted key answers first.
    expect((await send(eventsUrl, retryOf(first, payload, 1, 3))).status).toBe(200);
    expect(logged('ignored a retry of a request already acted on (X-Slack-Retry-Num: 1)')).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await decisions(actionId)).toBe(1);
    expect(toldAlice(told)).toEqual([]);
  });
});
