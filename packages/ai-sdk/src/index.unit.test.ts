import type { Airlock } from '@airlock/sdk';
import { jsonSchema, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { airlockApprovals } from './index.js';

describe('an Airlock-gated AI SDK tool whose authorization was revoked after toolApproval', () => {
  it('runs nothing and fails with the words of a rejection, which the SDK hands the model', async () => {
    const reason = 'agent billing-bot suspended: incident 42; the authorization was revoked before it was used';
    const airlock = {
      authorize: () => Promise.resolve({ actionId: 'act-1', created: false }),
      awaitAuthorization: () => Promise.resolve({ status: 'cancelled', actionId: 'act-1', reason }),
    } as unknown as Airlock;
    const ran: unknown[] = [];
    const gate = airlockApprovals({ airlock, tools: { refund: 'payments.refund' } });
    const { refund } = gate.tools({
      refund: tool({
        description: 'Refund a payment',
        inputSchema: jsonSchema<{ amount: string }>({ type: 'object', properties: { amount: { type: 'string' } }, required: ['amount'] }),
        execute: (args) => ran.push(args),
      }),
    });
    await expect(refund.execute({ amount: '25.00' }, { toolCallId: 'call-1', messages: [], context: undefined })).rejects.toThrow(`Airlock refused refund: cancelled: ${reason}`);
    expect(ran).toEqual([]);
  });
});

describe('airlockApprovals options', () => {
  it('refuses a field it does not know, naming it, instead of ignoring it (a typo in JavaScript or behind `as any`)', () => {
    const options = { airlock: {} as Airlock, tools: { refund: 'payments.refund' }, waitMS: 5_000 } as Parameters<typeof airlockApprovals>[0];
    expect(() => airlockApprovals(options)).toThrow('invalid request: options.waitMS: Unrecognized key: "waitMS" (known: airlock, tools, waitMs, rationale, onReportError)');
  });
});
