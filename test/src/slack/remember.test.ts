import { randomBytes } from 'node:crypto';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { ACTION_APPROVE, ACTION_DENY, ACTION_OPEN_CONSOLE, ACTION_REMEMBER, REMEMBER_MODAL, type RunningSlackApp } from '@airlock/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval, waitForStatus } from '../support/actions.js';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi, PostedMessage } from './fake-slack-api.js';
import { button, buttonClick, buttons, modalSubmission, send, signInteraction, type SlackClicker } from './interactions.js';
import { postedMessage, startTestSlackApp } from './slack-app.js';
import { closeSlackTestBed, startSlackTestBed } from './test-bed.js';

// Approve and remember from Slack: a button on the approval message opens a modal
// with the grant's scope pre-filled; its submission goes through the real Bolt
// receiver to the one use case, against real Temporal and PostgreSQL.

const BOT_TOKEN = 'xoxb-airlock-remember-token';
const SIGNING_SECRET = randomBytes(16).toString('hex');
const alice: SlackClicker = { id: 'U_ALICE', name: 'alice' };
const owner: SlackClicker = { id: 'U_OWNER', name: 'owner' };
const victor: SlackClicker = { id: 'U_VICTOR', name: 'victor' };

let h: Harness;
let fake: FakeSlackApi;
let slack: RunningSlackApp;
let eventsUrl: string;

beforeAll(async () => {
  ({ h, fake } = await startSlackTestBed({
    botToken: BOT_TOKEN,
    users: [
      { id: alice.id, name: 'alice', email: 'alice@example.test' },
      { id: owner.id, name: 'owner', email: 'owner@example.test' },
      { id: victor.id, name: 'victor', email: 'victor@example.test' },
    ],
  }));
  const started = await startTestSlackApp(h, fake, { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  slack = started;
  eventsUrl = started.url;
});

afterAll(() => closeSlackTestBed({ app: slack, fake, h }));

const signed = (payload: unknown) => send(eventsUrl, signInteraction(payload, { secret: SIGNING_SECRET }));
const ephemeralTo = (user: SlackClicker, matches: (text: string) => boolean) =>
  fake.waitForCall('chat.postEphemeral', (c) => c.args.user === user.id && matches(String(c.args.text)));

/** The modal's bound block for the argument `arg` (blocks are named by the argument's index; the select is labelled with its name). */
function boundOf(view: Record<string, unknown>, arg: string): string {
  const found = (view.blocks as { type: string; block_id?: string; label?: { text: string } }[]).find(
    (b) => b.type === 'input' && b.label?.text === arg && b.block_id?.startsWith('bound:'),
  );
  if (!found?.block_id) throw new Error(`no bound for ${arg} in ${JSON.stringify(view.blocks)}`);
  return found.block_id;
}
const capOf = (view: Record<string, unknown>, arg: string) => boundOf(view, arg).replace('bound:', 'cap:');

/** Clicks "Approve & remember…" as `user` and returns the modal Slack was asked to open (a new views.open call). */
async function openRemember(message: PostedMessage, actionId: string, user: SlackClicker): Promise<Record<string, unknown>> {
  const earlier = fake.calls('views.open').length;
  expect((await signed(buttonClick(message, ACTION_REMEMBER, user))).status).toBe(200);
  const opened = await fake.waitForCall('views.open', (c) => fake.calls('views.open').indexOf(c) >= earlier && JSON.stringify(c.args.view).includes(actionId));
  return (opened.response as { view: Record<string, unknown> }).view;
}

describe('approve and remember in Slack', () => {
  it('opens a modal pre-filled from the action; submitting approves it and grants a standing approval that covers the next matching refund only', async () => {
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '125.00' }));
    const message = await postedMessage(fake, actionId);
    expect(buttons(message.blocks).map((b) => b.action_id)).toEqual([ACTION_APPROVE, ACTION_DENY, ACTION_REMEMBER, ACTION_OPEN_CONSOLE]);
    expect(button(message.blocks, ACTION_REMEMBER)).toMatchObject({ text: { text: 'Approve & remember…' } });

    const view = await openRemember(message, actionId, alice);
    expect(view).toMatchObject({ type: 'modal', callback_id: REMEMBER_MODAL });
    const blocks = view.blocks as { block_id?: string; element?: Record<string, unknown> }[];
    const element = (id: string) => blocks.find((b) => b.block_id === id)?.element;
    // Blocks are named by the argument's index, the options' values name the argument.
    expect(['amount', 'currency', 'paymentId', 'reason'].map((arg) => boundOf(view, arg)).sort()).toEqual(['bound:0', 'bound:1', 'bound:2', 'bound:3']);
    expect(element(boundOf(view, 'amount'))).toMatchObject({ type: 'static_select', initial_option: { value: 'at_most:amount' } });
    expect(element(capOf(view, 'amount'))).toMatchObject({ initial_value: '125.00' });
    expect(element(boundOf(view, 'currency'))).toMatchObject({ initial_option: { value: 'same:currency' } });
    expect(element('uses')).toMatchObject({ type: 'number_input', initial_value: '10' });
    // Nothing is decided until the modal is submitted.
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);

    // The approver raises the cap, keeps the same currency, lets any payment and reason through, three uses.
    const submission = modalSubmission(view, alice, {
      [capOf(view, 'amount')]: '150.00',
      [boundOf(view, 'paymentId')]: 'any',
      [boundOf(view, 'reason')]: 'any',
      uses: '3',
      valid_for_hours: '8',
    });
    expect((await signed(submission)).status).toBe(200);
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });
    await ephemeralTo(alice, (t) => t.startsWith(':white_check_mark: Approved and remembered'));

    const grant = await h.db.prisma.standingApproval.findFirstOrThrow({ where: { grantedBy: 'alice' } });
    expect(grant).toMatchObject({ agentId: 'billing-bot', tool: 'payments.refund', condition: 'cents(args["amount"]) <= 15000 && args["currency"] == "USD"', maxUses: 3, uses: 0 });
    expect(grant.validUntil.getTime() - grant.validFrom.getTime()).toBe(8 * 3_600_000);
    const decision = await h.db.prisma.approvalDecision.findFirstOrThrow({ where: { approval: { actionId } } });
    expect(decision).toMatchObject({ userId: 'alice', channel: 'slack', decision: 'approve' });
    const audit = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: { in: ['approval.decision', 'standing_approval.granted'] } } });
    expect(audit.map((e) => e.type).sort()).toEqual(['approval.decision', 'standing_approval.granted']);

    const covered = await submitAction(h.client, h.taskQueue, refundRequest({ amount: '149.00' }));
    expect(await awaitOutcome(h.client, covered.actionId)).toMatchObject({ status: 'executed' });
    expect(await h.db.prisma.auditEvent.count({ where: { actionId: covered.actionId, type: 'approval.standing_used' } })).toBe(1);
    const over = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '151.00' }));
    expect(over.status.phase).toBe('awaiting_approval');
  });

  it('turns away a viewer at the click, and refuses the agent’s owner and a self-approver on submission: nothing decided, nothing granted', async () => {
    const before = await h.db.prisma.standingApproval.count();
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '90.00', requestedBy: 'alice' }));
    const message = await postedMessage(fake, actionId);

    expect((await signed(buttonClick(message, ACTION_REMEMBER, victor))).status).toBe(200);
    await ephemeralTo(victor, (t) => /needs the approver role or higher, and your Airlock role is viewer/.test(t));

    const ownerView = await openRemember(message, actionId, owner);
    expect((await signed(modalSubmission(ownerView, owner, {}))).status).toBe(200);
    await ephemeralTo(owner, (t) => /not recorded: owner owns agent "billing-bot" and may not grant it standing approvals/.test(t));

    const selfView = await openRemember(message, actionId, alice);
    expect((await signed(modalSubmission(selfView, alice, {}))).status).toBe(200);
    await ephemeralTo(alice, (t) => /not recorded: alice requested this action, so someone else must approve it\./.test(t));

    expect(await h.db.prisma.standingApproval.count()).toBe(before);
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
    const refusals = await h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'slack.decision_refused' } });
    expect(refusals.map((r) => r.actor).sort()).toEqual(['user:alice', 'user:owner', 'user:victor']);
  });

  it('keeps the modal open with the error under the field when a cap is cleared or not a number, or the uses are out of range; a corrected submission goes through', async () => {
    // Above the first test's grant (at most 150.00), which would let it through without a round.
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '160.00' }));
    const message = await postedMessage(fake, actionId);
    const view = await openRemember(message, actionId, alice);

    const cap = capOf(view, 'amount');
    const cleared = await signed(modalSubmission(view, alice, { [cap]: '', uses: '0' }));
    expect(cleared.status).toBe(200);
    expect(JSON.parse(cleared.body)).toEqual({ response_action: 'errors', errors: { [cap]: 'Enter a cap, or choose another bound.', uses: 'At least 1.' } });
    const wrong = await signed(modalSubmission(view, alice, { [cap]: 'sixty' }));
    expect(JSON.parse(wrong.body)).toEqual({ response_action: 'errors', errors: { [cap]: 'Enter a number, like 125.00.' } });
    // Nothing was decided, and nothing refused: the modal is still open with what was chosen.
    expect((await waitForStatus(h.client, actionId, () => true)).approval?.decisions).toEqual([]);
    expect(await h.db.prisma.auditEvent.count({ where: { actionId, type: 'slack.decision_refused' } })).toBe(0);

    const accepted = await signed(modalSubmission(view, alice, { [cap]: '170.00', [boundOf(view, 'paymentId')]: 'any', [boundOf(view, 'reason')]: 'any' }));
    expect(accepted.status).toBe(200);
    expect(accepted.body).toBe('');
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });
    await ephemeralTo(alice, (t) => t.includes('cents(args["amount"]) &lt;= 17000'));
  });

  it('shows a remembered condition quoting the agent’s argument as text: no working link, no mention', async () => {
    const phishing = 'x` <!channel> <https://evil.example/login|Open Airlock console> `';
    const request = refundRequest({ amount: '180.00' });
    const { actionId } = await submitAndWaitForApproval(h.client, h.taskQueue, { ...request, args: { ...request.args, reason: phishing } });
    const message = await postedMessage(fake, actionId);
    const view = await openRemember(message, actionId, alice);
    expect(
      (
        await signed(
          modalSubmission(view, alice, {
            [boundOf(view, 'amount')]: 'any',
            [boundOf(view, 'currency')]: 'any',
            [boundOf(view, 'paymentId')]: 'any',
            [boundOf(view, 'reason')]: 'same:reason',
          }),
        )
      ).status,
    ).toBe(200);
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });

    const answer = String((await ephemeralTo(alice, (t) => t.startsWith(':white_check_mark: Approved and remembered') && t.includes('evil.example'))).args.text);
    expect(answer).toContain('&lt;https://evil.example/login|Open Airlock console&gt;');
    expect(answer).toContain('&lt;!channel&gt;');
    expect(answer).not.toMatch(/<https?:|<!channel>/);
    const grant = await h.db.prisma.standingApproval.findFirstOrThrow({ where: { reason: `remembered from action ${actionId}` } });
    expect(grant.condition).toBe(`args["reason"] == ${JSON.stringify(phishing)}`);
  });
});
