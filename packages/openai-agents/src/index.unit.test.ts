import type { Airlock } from '@airlock/sdk';
import { Agent, RunContext, Runner, RunToolApprovalItem, Usage, type Model } from '@openai/agents';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { airlockTool, decideInterruptions, pendingActionIds } from './index.js';

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

describe('interruptions of two agents whose tools share a name', () => {
  it('are asked of the Airlock tool of the agent that was interrupted, not the last tool built with that name', async () => {
    const asked: string[] = [];
    const airlock = {
      authorize: (request: { tool: string }) => {
        asked.push(request.tool);
        return Promise.resolve({ actionId: `act-${asked.length}`, created: true });
      },
      awaitAuthorization: (actionId: string) => Promise.resolve({ status: 'authorized', actionId, authorizationId: 'auth', args: {} }),
    } as unknown as Airlock;
    const refundTool = (airlockName: string) =>
      airlockTool({ airlock, airlockTool: airlockName, name: 'refund', description: 'Refund', parameters: z.object({ amount: z.string() }), execute: () => 'ok' });
    const billing = new Agent({ name: 'billing', tools: [refundTool('payments.refund')] });
    const crm = new Agent({ name: 'crm', tools: [refundTool('crm.credit_note')] });
    const call = (agent: Agent, callId: string) => new RunToolApprovalItem({ type: 'function_call', callId, name: 'refund', arguments: JSON.stringify({ amount: '5.00' }) }, agent);
    const interruptions = [call(billing, 'c1'), call(crm, 'c2')];

    await pendingActionIds(airlock, interruptions);
    const decided: string[] = [];
    await decideInterruptions(airlock, { approve: (item) => decided.push(item.rawItem.type), reject: () => undefined }, interruptions);
    expect(asked).toEqual(['payments.refund', 'crm.credit_note', 'payments.refund', 'crm.credit_note']);
    expect(decided).toHaveLength(2);
  });
});

describe('airlockTool options', () => {
  it('refuses a field it does not know, naming it, instead of ignoring it (a typo in JavaScript or behind `as any`)', () => {
    const options = {
      airlock: {} as Airlock,
      airlockTool: 'payments.refund',
      name: 'refund',
      description: 'Refund a payment',
      parameters: z.object({ amount: z.string() }),
      execute: () => 'ok',
      waitMS: 5_000,
    } as Parameters<typeof airlockTool>[0];
    expect(() => airlockTool(options)).toThrow(/^invalid request: options\.waitMS: Unrecognized key: "waitMS"/);
  });
});

describe('interruptions of a tool whose arguments the Agents SDK normalizes before asking needsApproval', () => {
  // In strict mode (the default) the SDK drops the nulls the model sends for optional fields, and any zod default or
  // transform applies, before it asks needsApproval. The interruption keeps the model's raw JSON: asked with that, the
  // same call id would name other arguments, which Airlock refuses (409, the idempotency key used with other arguments).
  it('are asked with the arguments needsApproval was asked with, so the same action is found', async () => {
    const asked: Record<string, unknown>[] = [];
    const airlock = {
      authorize: (request: { args: Record<string, unknown> }) => {
        asked.push(request.args);
        return Promise.resolve({ actionId: 'act-1', created: asked.length === 1 });
      },
      checkAuthorization: (actionId: string) => Promise.resolve({ status: 'pending', actionId, phase: 'awaiting_approval' }),
      awaitAuthorization: (actionId: string) => Promise.resolve({ status: 'authorized', actionId, authorizationId: 'auth', args: {} }),
    } as unknown as Airlock;
    const refund = airlockTool({
      airlock,
      airlockTool: 'payments.refund',
      name: 'refund',
      description: 'Refund a payment',
      parameters: z.object({ amount: z.string(), note: z.string().optional(), currency: z.string().default('USD') }),
      waitMs: 0,
      execute: () => 'ok',
    });
    const model: Model = {
      getResponse: () =>
        Promise.resolve({
          usage: new Usage(),
          output: [{ type: 'function_call', callId: 'call-1', name: 'refund', arguments: JSON.stringify({ amount: '5.00', note: null }), status: 'completed' }],
        }),
      getStreamedResponse: () => {
        throw new Error('not streamed');
      },
    };
    const agent = new Agent({ name: 'billing', model, tools: [refund] });
    const result = await new Runner({ tracingDisabled: true }).run(agent, 'Refund 5.00');
    expect(result.interruptions).toHaveLength(1);

    expect(await pendingActionIds(airlock, result.interruptions)).toEqual(['act-1']);
    await decideInterruptions(airlock, { approve: () => undefined, reject: () => undefined }, result.interruptions);
    expect(asked).toHaveLength(3);
    expect(asked).toEqual([asked[0], asked[0], asked[0]]);
    expect(asked[0]).toEqual({ amount: '5.00', currency: 'USD' });
  });
});
