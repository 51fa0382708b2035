import { airlockApprovals } from '@airlock/ai-sdk';
import type { Airlock } from '@airlock/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlockServer, type AirlockServer } from './airlock-server.js';

// At most once across processes: an adapter (the AI SDK's; the three share @airlock/sdk's run claim) claims the
// authorized run before it runs the tool. A process that claimed the call and died mid-refund leaves the action
// authorized and unreported; the agent restarted (a client of its own, no memory of the run) retries the same
// tool call: it does not refund a second time, and the model is told the call was started elsewhere.

let server: AirlockServer;

beforeAll(async () => {
  server = await startAirlockServer();
});
afterAll(async () => {
  await server?.close();
});

const args = { paymentId: 'pay_777', amount: '25.00', currency: 'USD', reason: 'duplicate charge' };

/** One process's gated refund, the AI SDK's way: `execute` of the wrapped tool for a tool call id. */
function gatedRefund(airlock: Airlock, refund: (input: unknown) => unknown) {
  const gate = airlockApprovals({ airlock, tools: { refund: 'payments.refund' }, onReportError: () => undefined });
  const set = { refund: { description: 'Refund a payment', inputSchema: { type: 'object' }, execute: refund } };
  const { refund: wrapped } = gate.tools(set as unknown as Parameters<typeof gate.tools>[0]);
  return (toolCallId: string) =>
    (wrapped!.execute as unknown as (input: unknown, execution: { toolCallId: string; messages: [] }) => Promise<unknown>)(args, { toolCallId, messages: [] });
}

describe('a gated tool call retried by another process after the first claimed it', () => {
  it('is not run again: the second process answers that the call was already started elsewhere; one claim in the audit log', async () => {
    const refunds: unknown[] = [];
    let startedInFirst!: () => void;
    const started = new Promise<void>((resolve) => (startedInFirst = resolve));
    // The first process: the refund starts and never comes back (the process is killed mid-run).
    const first = gatedRefund(await server.connect(), (input) => {
      refunds.push(input);
      startedInFirst();
      return new Promise(() => undefined);
    });
    void first('claim-call-1');
    await started;

    // The restarted agent: another client, the same tool call.
    const second = gatedRefund(await server.connect(), (input) => refunds.push(input));
    const answer = await second('claim-call-1');
    expect(answer).toMatch(
      /^refund was not run here: this call was already started by another run \(the run was already claimed by another runner at .*\), and its result is not known here/,
    );
    expect(refunds).toHaveLength(1);

    const airlock = await server.connect();
    const { actionId } = await airlock.authorize({ tool: 'payments.refund', args, idempotencyKey: 'ai-sdk:claim-call-1' });
    expect(await airlock.authorization(actionId)).toMatchObject({ status: 'authorized', claimedAt: expect.any(String) });
    const claims = await server.h.db.prisma.auditEvent.findMany({ where: { actionId, type: 'action.authorization_claimed' } });
    expect(claims).toHaveLength(1);
  });
});
