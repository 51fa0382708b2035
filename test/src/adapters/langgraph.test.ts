import type { AirlockInterrupt } from '@airlock/langgraph';
import { runLangGraphRefund } from '@airlock/examples/langgraph-refund';
import type { Airlock } from '@airlock/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, startAirlockServer, type AirlockServer } from './airlock-server.js';

let server: AirlockServer;
let airlock: Airlock;

beforeAll(async () => {
  server = await startAirlockServer();
  airlock = await server.connect();
});
afterAll(async () => {
  await server?.close();
});

/** A person decides each interrupted action (as from the console) while the thread is stopped. */
function decideOnInterrupt(decision: 'approve' | 'deny', options: { feedback?: string; editedArgs?: Record<string, unknown> } = {}) {
  const seen: AirlockInterrupt[] = [];
  const decided: Promise<void>[] = [];
  const onInterrupt = (value: AirlockInterrupt) => {
    seen.push(value);
    for (const actionId of value.actionIds) decided.push(server.awaitingApproval(actionId).then(() => server.decide(actionId, decision, options)));
  };
  return { onInterrupt, seen, decided };
}

describe('the LangGraph example (an interrupt-based approval node decided by Airlock)', () => {
  it('runs a refund the policy allows without interrupting the graph', async () => {
    const run = await runLangGraphRefund({ airlock, amount: '25.00', callId: 'lg-auto' });
    expect(run).toMatchObject({ pending: false, refunds: [{ paymentId: 'pay_123', amount: '25.00' }] });
    expect(run.answer).toBe('Refund done: {"refundId":"re_pay_123","amount":"25.00"}');
  });

  it('interrupts the thread, and resumes it to run the refund once a person approves', async () => {
    const person = decideOnInterrupt('approve');
    const run = await runLangGraphRefund({ airlock, amount: '125.00', callId: 'lg-approve', onInterrupt: person.onInterrupt });
    await Promise.all(person.decided);
    expect(person.seen).toEqual([expect.objectContaining({ type: 'airlock_approval', actionIds: [expect.any(String)] })]);
    expect(run).toMatchObject({ pending: true, refunds: [{ amount: '125.00' }] });
    expect(run.answer).toMatch(/^Refund done: .*re_pay_123/);
    expect(await airlock.authorization(person.seen[0]!.actionIds[0]!)).toMatchObject({ status: 'executed' });
  });

  it('runs the refund with the arguments an approver edited, and tells the model what changed', async () => {
    const person = decideOnInterrupt('approve', { editedArgs: { paymentId: 'pay_123', amount: '40.00', currency: 'USD', reason: 'duplicate charge' } });
    const run = await runLangGraphRefund({ airlock, amount: '125.00', callId: 'lg-edit', onInterrupt: person.onInterrupt });
    await Promise.all(person.decided);
    expect(run).toMatchObject({ pending: true, refunds: [{ amount: '40.00' }] });
    expect(run.answer).toBe('Refund done: {"refundId":"re_pay_123","amount":"40.00"}\nAn approver in Airlock changed the arguments before it ran: amount "125.00" → "40.00".');
  });

  it('never runs a denied refund; the model reads the approver’s feedback', async () => {
    const person = decideOnInterrupt('deny', { feedback: 'ask the customer first' });
    const run = await runLangGraphRefund({ airlock, amount: '125.00', callId: 'lg-deny', onInterrupt: person.onInterrupt });
    await Promise.all(person.decided);
    expect(run).toMatchObject({ pending: true, refunds: [] });
    expect(run.answer).toMatch(/^Refund denied: Airlock refused refund: .*denied by alice\. Feedback: ask the customer first/);
  });
});

describe('a refund whose report does not reach Airlock', () => {
  it('the model reads the refund, a retry of the same call refunds nothing more, and the report lands once Airlock takes it', async () => {
    // A blip (retried), then a console that refuses the report, then one that takes it.
    const flaky = await server.connect({
      report: (attempt) => (attempt === 1 ? apiError(503, 'unavailable', 'restarting') : attempt === 2 ? apiError(500, 'internal', 'the report store is down') : undefined),
    });
    const args = { paymentId: 'pay_123', amount: '28.00', currency: 'USD', reason: 'duplicate charge' };
    const { actionId } = await airlock.authorize({ tool: 'payments.refund', args, idempotencyKey: 'langgraph:lg-unreported' });

    const first = await runLangGraphRefund({ airlock: flaky, amount: '28.00', callId: 'lg-unreported' });
    expect(first).toMatchObject({ pending: false, refunds: [{ amount: '28.00' }] });
    expect(first.answer).toBe('Refund done: {"refundId":"re_pay_123","amount":"28.00"}');
    expect(await airlock.authorization(actionId)).toMatchObject({ status: 'authorized' });

    const again = await runLangGraphRefund({ airlock: flaky, amount: '28.00', callId: 'lg-unreported' });
    expect(again).toMatchObject({ refunds: [], answer: first.answer });
    expect(await airlock.authorization(actionId)).toMatchObject({ status: 'executed', output: { refundId: 're_pay_123', amount: '28.00' } });
  });
});
