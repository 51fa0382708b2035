/**
 * A Vercel AI SDK agent whose refund tool is gated by Airlock. The model is the
 * SDK's own MockLanguageModelV4 (no network): it asks for one refund, then
 * answers with whatever the tool returned, or with the reason it was refused.
 *
 *   AIRLOCK_URL=http://localhost:3000 AIRLOCK_API_KEY=alk_... npx tsx examples/src/ai-sdk-refund.ts 125.00
 */
import { airlockApprovals } from '@airlock/ai-sdk';
import type { Airlock } from '@airlock/sdk';
import { generateText, isStepCount, tool, type ModelMessage } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import { connectFromEnv } from './env.js';
import { isMain, mockRefundModelTurn, refundArgs, type RefundRun } from './shared.js';

export async function runAiSdkRefund(options: { airlock: Airlock; amount: string; callId: string; onPending?: (note: string) => void }): Promise<RefundRun> {
  const refunds: unknown[] = [];
  const gate = airlockApprovals({ airlock: options.airlock, tools: { refund: 'payments.refund' }, waitMs: 1_000 });
  const tools = gate.tools({
    refund: tool({
      description: 'Refund a payment',
      inputSchema: z.object({ paymentId: z.string(), amount: z.string(), currency: z.string(), reason: z.string() }),
      // The agent's own payment code: it runs only with the arguments Airlock authorized.
      execute: async (args) => {
        refunds.push(args);
        return { refundId: `re_${args.paymentId}`, amount: args.amount };
      },
    }),
  });

  const model = new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      const last = prompt.at(-1);
      const result = last?.role === 'tool' ? last.content.find((part) => part.type === 'tool-result') : undefined;
      const turn = mockRefundModelTurn(result ? toolResultText(result.output) : undefined);
      const content =
        turn.kind === 'call'
          ? [{ type: 'tool-call' as const, toolCallId: options.callId, toolName: 'refund', input: JSON.stringify(refundArgs(options.amount)) }]
          : [{ type: 'text' as const, text: turn.text }];
      return {
        content,
        finishReason: { unified: turn.kind === 'call' ? 'tool-calls' : 'stop', raw: undefined },
        usage: { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } },
        warnings: [],
      };
    },
  });

  const messages: ModelMessage[] = [{ role: 'user', content: `Refund ${options.amount} USD for the duplicate charge on pay_123.` }];
  const settings = { model, tools, toolApproval: gate.toolApproval, stopWhen: isStepCount(4) };
  let result = await generateText({ ...settings, messages });
  messages.push(...result.responseMessages);
  const approvals = await (async () => {
    const pending = result.content.filter((part) => part.type === 'tool-approval-request' && !part.isAutomatic);
    if (pending.length === 0) return [];
    options.onPending?.(pending.map((part) => (part.type === 'tool-approval-request' ? part.reason : '')).join('; '));
    return gate.decide(result.content);
  })();
  if (approvals.length > 0) {
    messages.push({ role: 'tool', content: approvals });
    result = await generateText({ ...settings, messages });
  }
  return { answer: result.text, refunds, pending: approvals.length > 0 };
}

function toolResultText(output: { type: string; value?: unknown; reason?: string }): string {
  if (output.type === 'execution-denied') return `denied: ${output.reason ?? ''}`;
  return `done: ${typeof output.value === 'string' ? output.value : JSON.stringify(output.value)}`;
}

if (isMain(import.meta.url)) {
  const airlock = await connectFromEnv();
  const amount = process.argv[2] ?? '25.00';
  const run = await runAiSdkRefund({ airlock, amount, callId: `call-${Date.now()}`, onPending: (note) => console.log(`pending: ${note}`) });
  console.log(run.answer);
}
