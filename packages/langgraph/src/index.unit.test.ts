import type { Airlock } from '@airlock/sdk';
import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { airlockNodes } from './index.js';

describe('the execute node when Airlock refused a call after the approve node let it through', () => {
  it('answers the call with the refusal for the model, runs nothing, reports nothing, and the graph goes on', async () => {
    const reported: unknown[] = [];
    // Only what execute calls: the authorization was revoked (kill switch) between the two nodes.
    const airlock = {
      authorize: () => Promise.resolve({ actionId: 'act-1', created: false }),
      awaitAuthorization: () =>
        Promise.resolve({ status: 'cancelled', actionId: 'act-1', reason: 'agent billing-bot suspended: incident 42; the authorization was revoked before it was used' }),
      report: (...args: unknown[]) => {
        reported.push(args);
        return Promise.resolve({ status: 'executed', actionId: 'act-1', output: null });
      },
    } as unknown as Airlock;
    const ran: unknown[] = [];
    const { execute } = airlockNodes({ airlock, tools: { refund: { airlockTool: 'payments.refund', run: (args) => ran.push(args) } } });

    const call = { id: 'call-1', name: 'refund', args: { paymentId: 'pay_123', amount: '25.00' }, type: 'tool_call' as const };
    const { messages = [] } = await execute({ messages: [new AIMessage({ content: '', tool_calls: [call] })] });

    expect(messages).toHaveLength(1);
    const [answer] = messages;
    expect(ToolMessage.isInstance(answer)).toBe(true);
    expect(answer).toMatchObject({
      tool_call_id: 'call-1',
      status: 'error',
      content: 'Airlock refused refund: cancelled: agent billing-bot suspended: incident 42; the authorization was revoked before it was used',
    });
    expect(ran).toEqual([]);
    expect(reported).toEqual([]);
  });
});

describe('airlockNodes options', () => {
  it('refuses a field it does not know, naming it, in the options and in each tool, instead of ignoring it', () => {
    const run = () => 'ok';
    const typo = { airlock: {} as Airlock, tools: { refund: { airlockTool: 'payments.refund', run } }, waitMS: 5_000 } as Parameters<typeof airlockNodes>[0];
    expect(() => airlockNodes(typo)).toThrow(/^invalid request: options\.waitMS: Unrecognized key: "waitMS"/);
    const inTool = { airlock: {} as Airlock, tools: { refund: { airlockTol: 'payments.refund', run } } } as unknown as Parameters<typeof airlockNodes>[0];
    expect(() => airlockNodes(inTool)).toThrow(/^invalid request: options\.tools\.refund\.airlockTol: Unrecognized key: "airlockTol"/);
  });
});
