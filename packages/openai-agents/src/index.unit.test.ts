import type { Airlock } from '@airlock/sdk';
import { RunContext } from '@openai/agents';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { airlockTool } from './index.js';

describe('an Airlock-gated Agents SDK tool whose authorization was revoked after needsApproval', () => {
  it('runs nothing and tells the model in the words of a rejection', async () => {
    const reason = 'agent billing-bot suspended: incident 42; the authorization was revoked before it was used';
    const airlock = {
      authorize: () => Promise.resolve({ actionId: 'act-1', created: false }),
      awaitAuthorization: () => Promise.resolve({ status: 'cancelled', actionId: 'act-1', reason }),
    } as unknown as Airlock;
    const ran: unknown[] = [];
    const refund = airlockTool({
      airlock,
      airlockTool: 'payments.refund',
      name: 'refund',
      description: 'Refund a payment',
      parameters: z.object({ amount: z.string() }),
      execute: (args) => ran.push(args),
    });
    const args = JSON.stringify({ amount: '25.00' });
    const answer = await refund.invoke(new RunContext(), args, { toolCall: { type: 'function_call', callId: 'call-1', name: 'refund', arguments: args } });
    expect(answer).toBe(`Airlock refused refund: cancelled: ${reason}`);
    expect(ran).toEqual([]);
  });
});
