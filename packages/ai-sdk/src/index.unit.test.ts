import type { Airlock, AuthorizationState } from '@airlock/sdk';
import { generateText, jsonSchema, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { airlockApprovals } from './index.js';

/** A model that calls `toolName` once with `input`, then stops. */
function callingModel(toolName: string, input: Record<string, unknown>) {
  return new MockLanguageModelV4({
    doGenerate: ({ prompt }) => {
      const answered = prompt.at(-1)?.role === 'tool';
      return Promise.resolve({
        content: answered ? [{ type: 'text' as const, text: 'done' }] : [{ type: 'tool-call' as const, toolCallId: 'call-1', toolName, input: JSON.stringify(input) }],
        finishReason: { unified: answered ? ('stop' as const) : ('tool-calls' as const), raw: undefined },
        usage: { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } },
        warnings: [],
      });
    },
  });
}

/** An Airlock that authorized the refund with an approver's edit (125.00 → 100.00); `asked` records what it was asked. */
function authorizingAirlock(asked: string[]): Airlock {
  const authorized: AuthorizationState = {
    status: 'authorized',
    actionId: 'act-1',
    tool: 'payments.refund',
    authorizationId: 'auth-1',
    args: { amount: '100.00' },
    argsHash: 'h',
    expiresAt: '2030-01-01T00:00:00Z',
  };
  const answer = <T>(method: string, value: T) => {
    asked.push(method);
    return Promise.resolve(value);
  };
  return {
    authorize: () => answer('authorize', { actionId: 'act-1', created: true }),
    checkAuthorization: () => answer('checkAuthorization', authorized),
    awaitAuthorization: () => answer('awaitAuthorization', authorized),
    claimRun: (actionId: string, claim: { authorizationId: string; runnerId: string }) =>
      answer('claimRun', { status: 'claimed', actionId, ...claim, claimedAt: '2029-12-31T23:59:00.000Z' }),
    report: () => answer('report', { status: 'executed', actionId: 'act-1', output: null }),
  } as unknown as Airlock;
}

const amountSchema = jsonSchema<{ amount: string }>({ type: 'object', properties: { amount: { type: 'string' } }, required: ['amount'] });

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

describe('a tool Airlock does not decide, with gate.toolApproval plugged in', () => {
  // The SDK asks a generic toolApproval instead of each tool's own needsApproval: the gate must answer it.
  it('keeps its own needsApproval: true: the SDK asks a person, as it does without the gate, and nothing runs', async () => {
    const asked: string[] = [];
    const gate = airlockApprovals({ airlock: authorizingAirlock(asked), tools: { refund: 'payments.refund' } });
    const deleted: unknown[] = [];
    const tools = gate.tools({
      refund: tool({ description: 'Refund a payment', inputSchema: amountSchema, execute: () => 'refunded' }),
      deleteAll: tool({ description: 'Delete everything', inputSchema: jsonSchema({ type: 'object' }), needsApproval: true, execute: (input) => deleted.push(input) }),
    });
    const result = await generateText({ model: callingModel('deleteAll', {}), tools, toolApproval: gate.toolApproval, prompt: 'Clean up' });
    expect(result.content.map((part) => part.type)).toEqual(['tool-call', 'tool-approval-request']);
    expect(result.content.find((part) => part.type === 'tool-approval-request')).toMatchObject({ toolCall: { toolName: 'deleteAll' } });
    expect(result.content.find((part) => part.type === 'tool-approval-request')).not.toHaveProperty('isAutomatic');
    expect(deleted).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('gets what its needsApproval function answers, given what the SDK gives it without the gate (input, call id, messages, checked context)', async () => {
    const run = async (withGate: boolean, answer: boolean) => {
      const given: unknown[] = [];
      const ran: unknown[] = [];
      const gate = airlockApprovals({ airlock: authorizingAirlock([]), tools: { refund: 'payments.refund' } });
      const contextSchema = jsonSchema<{ tenant: string; checked?: boolean }>(
        { type: 'object' },
        { validate: (value) => ({ success: true, value: { ...(value as { tenant: string }), checked: true } }) },
      );
      const tools = gate.tools({
        refund: tool({ description: 'Refund a payment', inputSchema: amountSchema, execute: () => 'refunded' }),
        archive: tool({
          description: 'Archive a ticket',
          inputSchema: jsonSchema<{ ticket: string }>({ type: 'object' }),
          contextSchema,
          needsApproval: (input, options) => {
            given.push({ input, ...options });
            return Promise.resolve(answer);
          },
          execute: (input) => ran.push(input),
        }),
      });
      const result = await generateText({
        model: callingModel('archive', { ticket: 't-9' }),
        tools,
        toolsContext: { archive: { tenant: 'acme' } },
        ...(withGate ? { toolApproval: gate.toolApproval } : {}),
        prompt: 'Archive t-9',
      });
      return { given, ran, content: result.content.map((part) => part.type) };
    };
    for (const answer of [true, false]) {
      const plain = await run(false, answer);
      expect(plain.given).toEqual([
        { input: { ticket: 't-9' }, toolCallId: 'call-1', messages: [{ role: 'user', content: 'Archive t-9' }], context: { tenant: 'acme', checked: true } },
      ]);
      expect(await run(true, answer)).toEqual(plain);
    }
  });
});

describe('a mapped tool the AI SDK would run without gate.tools()', () => {
  it('fails the call with an error naming the mistake, before Airlock is asked: the raw execute never runs with the model’s arguments', async () => {
    const asked: string[] = [];
    const gate = airlockApprovals({ airlock: authorizingAirlock(asked), tools: { refund: 'payments.refund' } });
    const ran: unknown[] = [];
    const refund = tool({ description: 'Refund a payment', inputSchema: amountSchema, execute: (input) => ran.push(input) });
    const call = generateText({ model: callingModel('refund', { amount: '125.00' }), tools: { refund }, toolApproval: gate.toolApproval, prompt: 'Refund 125.00' });
    await expect(call).rejects.toThrow('airlockApprovals: the refund tool the AI SDK would run was not wrapped by gate.tools()');
    expect(ran).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('runs a copy of the wrapped tool (as the SDK makes one for a tool caller) through the gate, with the arguments Airlock authorized', async () => {
    const asked: string[] = [];
    const gate = airlockApprovals({ airlock: authorizingAirlock(asked), tools: { refund: 'payments.refund' } });
    const ran: unknown[] = [];
    const { refund } = gate.tools({ refund: tool({ description: 'Refund a payment', inputSchema: amountSchema, execute: (input) => ran.push(input) }) });
    const copy = { ...refund, providerOptions: { any: {} } };
    await generateText({ model: callingModel('refund', { amount: '125.00' }), tools: { refund: copy }, toolApproval: gate.toolApproval, prompt: 'Refund 125.00' });
    expect(ran).toEqual([{ amount: '100.00' }]);
    expect(asked).toEqual(['authorize', 'checkAuthorization', 'authorize', 'awaitAuthorization', 'claimRun', 'report']);
  });

  it('is refused by gate.tools() when it has no execute (client-side or provider-executed): its approved call would go out with the model’s arguments', () => {
    const gate = airlockApprovals({ airlock: authorizingAirlock([]), tools: { refund: 'payments.refund' } });
    expect(() => gate.tools({ refund: tool({ description: 'Refund a payment', inputSchema: amountSchema }) })).toThrow(
      'airlockApprovals: options.tools names refund, without execute (a client-side or provider-executed tool)',
    );
  });
});
