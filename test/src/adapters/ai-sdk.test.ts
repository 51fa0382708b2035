import { runAiSdkRefund } from '@airlock/examples/ai-sdk-refund';
import type { Airlock } from '@airlock/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionIdIn, apiError, startAirlockServer, type AirlockServer } from './airlock-server.js';

let server: AirlockServer;
let airlock: Airlock;

beforeAll(async () => {
  server = await startAirlockServer();
  airlock = await server.connect();
});
afterAll(async () => {
  await server?.close();
});

/** The person's decision, made while the agent waits (as from the console). */
function decideWhenPending(decision: 'approve' | 'deny', options: { feedback?: string; editedArgs?: Record<string, unknown> } = {}) {
  const decided: Promise<void>[] = [];
  const onPending = (note: string) => {
    const actionId = actionIdIn(note);
    decided.push(server.awaitingApproval(actionId).then(() => server.decide(actionId, decision, options)));
  };
  return { onPending, decided };
}

describe('the Vercel AI SDK example (toolApproval decided by Airlock)', () => {
  it('runs a refund the policy allows without asking anyone, and Airlock records it as executed', async () => {
    const run = await runAiSdkRefund({ airlock, amount: '25.00', callId: 'ai-auto' });
    expect(run).toMatchObject({ pending: false, refunds: [{ paymentId: 'pay_123', amount: '25.00' }] });
    expect(run.answer).toBe('Refund done: {"refundId":"re_pay_123","amount":"25.00"}');
    const { actionId } = await airlock.authorize({
      tool: 'payments.refund',
      args: { paymentId: 'pay_123', amount: '25.00', currency: 'USD', reason: 'duplicate charge' },
      idempotencyKey: 'ai-sdk:ai-auto',
    });
    expect(await airlock.authorization(actionId)).toMatchObject({ status: 'executed', output: { refundId: 're_pay_123' } });
  });

  it('waits for a person, then runs the refund once they approve in Airlock', async () => {
    const person = decideWhenPending('approve');
    const run = await runAiSdkRefund({ airlock, amount: '125.00', callId: 'ai-approve', onPending: person.onPending });
    await Promise.all(person.decided);
    expect(person.decided).toHaveLength(1);
    expect(run).toMatchObject({ pending: true, refunds: [{ amount: '125.00' }] });
    expect(run.answer).toMatch(/^Refund done: .*re_pay_123/);
  });

  it('runs the refund with the arguments an approver edited, and the model reads what changed', async () => {
    const person = decideWhenPending('approve', { editedArgs: { paymentId: 'pay_123', amount: '40.00', currency: 'USD', reason: 'duplicate charge' } });
    const run = await runAiSdkRefund({ airlock, amount: '125.00', callId: 'ai-edit', onPending: person.onPending });
    await Promise.all(person.decided);
    expect(run).toMatchObject({ pending: true, refunds: [{ amount: '40.00' }] });
    expect(run.answer).toBe('Refund done: {"refundId":"re_pay_123","amount":"40.00"}\nAn approver in Airlock changed the arguments before it ran: amount "125.00" → "40.00".');
  });

  it('never runs a denied refund, and the model reads the approver’s feedback', async () => {
    const person = decideWhenPending('deny', { feedback: 'ask the customer first' });
    const run = await runAiSdkRefund({ airlock, amount: '125.00', callId: 'ai-deny', onPending: person.onPending });
    await Promise.all(person.decided);
    expect(run).toMatchObject({ pending: true, refunds: [] });
    expect(run.answer).toMatch(/^Refund denied: .*denied by alice\. Feedback: ask the customer first/);
  });
});

describe('a refund whose report does not reach Airlock', () => {
  it('the model reads the refund, a retry of the same call refunds nothing more, and the report lands once Airlock takes it', async () => {
    // A blip (retried), then a console that refuses the report, then one that takes it.
    const flaky = await server.connect({
      report: (attempt) => (attempt === 1 ? apiError(503, 'unavailable', 'restarting') : attempt === 2 ? apiError(500, 'internal', 'the report store is down') : undefined),
    });
    const args = { paymentId: 'pay_123', amount: '26.00', currency: 'USD', reason: 'duplicate charge' };
    const { actionId } = await airlock.authorize({ tool: 'payments.refund', args, idempotencyKey: 'ai-sdk:ai-unreported' });

    const first = await runAiSdkRefund({ airlock: flaky, amount: '26.00', callId: 'ai-unreported' });
    expect(first).toMatchObject({ pending: false, refunds: [{ amount: '26.00' }] });
    expect(first.answer).toBe('Refund done: {"refundId":"re_pay_123","amount":"26.00"}');
    expect(await airlock.authorization(actionId)).toMatchObject({ status: 'authorized' });

    const again = await runAiSdkRefund({ airlock: flaky, amount: '26.00', callId: 'ai-unreported' });
    expect(again).toMatchObject({ refunds: [], answer: first.answer });
    expect(await airlock.authorization(actionId)).toMatchObject({ status: 'executed', output: { refundId: 're_pay_123', amount: '26.00' } });
  });
});
