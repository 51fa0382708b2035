import type { Airlock, AuthorizationState } from '@airlock/sdk';
import { convertToModelMessages, generateText, isStepCount, jsonSchema, tool, type ModelMessage, type UIMessage } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { airlockApprovals } from './index.js';

const NOTE = 'An approver in Airlock changed the arguments before it ran: amount "125.00" → "100.00".';

/** An Airlock that authorized the call with an approver's edit (125.00 → 100.00) and takes the report. */
function editingAirlock(): Airlock {
  const authorized: AuthorizationState = {
    status: 'authorized',
    actionId: 'act-1',
    tool: 'payments.refund',
    authorizationId: 'auth-1',
    args: { amount: '100.00' },
    argsHash: 'h',
    expiresAt: '2030-01-01T00:00:00Z',
  };
  return {
    authorize: () => Promise.resolve({ actionId: 'act-1', created: false }),
    checkAuthorization: () => Promise.resolve(authorized),
    awaitAuthorization: () => Promise.resolve(authorized),
    claimRun: (actionId: string, claim: { authorizationId: string; runnerId: string }) =>
      Promise.resolve({ status: 'claimed', actionId, ...claim, claimedAt: '2029-12-31T23:59:00.000Z' }),
    report: () => Promise.resolve({ status: 'executed', actionId: 'act-1', output: null }),
  } as unknown as Airlock;
}

function refundTools(airlock: Airlock) {
  const gate = airlockApprovals({ airlock, tools: { refund: 'payments.refund' } });
  return {
    gate,
    tools: gate.tools({
      refund: tool({
        description: 'Refund a payment',
        inputSchema: jsonSchema<{ amount: string }>({ type: 'object', properties: { amount: { type: 'string' } }, required: ['amount'] }),
        execute: ({ amount }) => ({ refundId: 're_1', amount }),
      }),
    }),
  };
}

/** The model: a refund call first, then it says what it read in the tool result. */
function model(seen: string[]) {
  return new MockLanguageModelV4({
    doGenerate: ({ prompt }) => {
      const last = prompt.at(-1);
      const result = last?.role === 'tool' ? last.content.find((part) => part.type === 'tool-result') : undefined;
      if (result) seen.push(JSON.stringify(result.output));
      const content = result
        ? [{ type: 'text' as const, text: 'done' }]
        : [{ type: 'tool-call' as const, toolCallId: 'call-1', toolName: 'refund', input: JSON.stringify({ amount: '125.00' }) }];
      return Promise.resolve({
        content,
        finishReason: { unified: result ? ('stop' as const) : ('tool-calls' as const), raw: undefined },
        usage: { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } },
        warnings: [],
      });
    },
  });
}

describe('the note to the model after an approver edited the arguments', () => {
  it('is part of the tool result in responseMessages: saved as JSON and resumed by another process’s gate, the model still reads it', async () => {
    const seen: string[] = [];
    const first = refundTools(editingAirlock());
    const result = await generateText({ model: model(seen), tools: first.tools, toolApproval: first.gate.toolApproval, stopWhen: isStepCount(3), prompt: 'Refund 125.00' });
    expect(seen).toEqual([JSON.stringify({ type: 'text', value: `{"refundId":"re_1","amount":"100.00"}\n${NOTE}` })]);

    // Another process: a fresh gate that never ran the tool, and the conversation as it was stored.
    const stored = JSON.parse(JSON.stringify(result.responseMessages)) as ModelMessage[];
    const later: unknown[] = [];
    const second = refundTools(editingAirlock());
    const resumed = new MockLanguageModelV4({
      doGenerate: ({ prompt }) => {
        const results = prompt.flatMap((message) => (message.role === 'tool' ? message.content : [])).filter((part) => part.type === 'tool-result');
        later.push(...results.map((part) => part.output));
        return Promise.resolve({
          content: [{ type: 'text' as const, text: 'ok' }],
          finishReason: { unified: 'stop' as const, raw: undefined },
          usage: { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } },
          warnings: [],
        });
      },
    });
    await generateText({ model: resumed, tools: second.tools, messages: [{ role: 'user', content: 'Refund 125.00' }, ...stored, { role: 'user', content: 'And now?' }] });
    expect(later).toEqual([{ type: 'text', value: `{"refundId":"re_1","amount":"100.00"}\n${NOTE}` }]);
  });

  it('is not in a UI message’s stored output: converted by another process’s gate, the model does not read it (the limit the README states)', async () => {
    const airlock = editingAirlock();
    const second = refundTools(airlock);
    // What useChat stores for a finished tool call: the tool's own output, not what the model read.
    const messages: UIMessage[] = [
      { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Refund 125.00' }] },
      {
        id: 'a1',
        role: 'assistant',
        parts: [{ type: 'tool-refund', toolCallId: 'call-1', state: 'output-available', input: { amount: '125.00' }, output: { refundId: 're_1', amount: '100.00' } }],
      },
    ];
    const converted = await convertToModelMessages(messages, { tools: second.tools });
    const results = converted.flatMap((message) => (message.role === 'tool' ? message.content : [])).filter((part) => part.type === 'tool-result');
    expect(results.map((part) => part.output)).toEqual([{ type: 'json', value: { refundId: 're_1', amount: '100.00' } }]);
  });
});
