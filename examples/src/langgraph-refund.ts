/**
 * A LangGraph agent whose refund tool is gated by Airlock: agent → approve →
 * execute → respond, with a MemorySaver checkpointer. The models are LangChain's
 * own fakes (no network): FakeStreamingChatModel asks for the refund, and
 * FakeChatModel (which echoes its input) answers with the tool's result.
 *
 *   AIRLOCK_URL=… AIRLOCK_API_KEY=alk_… npx tsx examples/src/langgraph-refund.ts 125.00
 */
import { airlockNodes, type AirlockInterrupt } from '@airlock/langgraph';
import type { Airlock } from '@airlock/sdk';
import { AIMessageChunk, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { FakeChatModel, FakeStreamingChatModel } from '@langchain/core/utils/testing';
import { Command, END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { connectFromEnv } from './env.js';
import { isMain, refundArgs, type RefundRun } from './shared.js';

export function refundGraph(options: { airlock: Airlock; amount: string; callId: string; refunds: unknown[] }) {
  // The fake takes a message's tool calls from its first chunk.
  const caller = new FakeStreamingChatModel({
    sleep: 0,
    chunks: [new AIMessageChunk({ content: '', tool_calls: [{ id: options.callId, name: 'refund', args: refundArgs(options.amount), type: 'tool_call' }] })],
  });
  const echo = new FakeChatModel({});
  const { approve, execute } = airlockNodes({
    airlock: options.airlock,
    waitMs: 1_000,
    tools: {
      refund: {
        airlockTool: 'payments.refund',
        // The agent's own payment code: it runs only with the arguments Airlock authorized.
        run: (args) => {
          options.refunds.push(args);
          return { refundId: `re_${String(args.paymentId)}`, amount: args.amount };
        },
      },
    },
  });

  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await caller.invoke(state.messages)] }))
    .addNode('approve', approve)
    .addNode('execute', execute)
    .addNode('respond', async (state) => {
      const result = state.messages.at(-1);
      const text = ToolMessage.isInstance(result) ? `${result.status === 'error' ? 'denied' : 'done'}: ${result.text}` : 'nothing to do';
      return { messages: [await echo.invoke([new HumanMessage(`Refund ${text}`)])] };
    })
    .addEdge(START, 'agent')
    .addEdge('agent', 'approve')
    .addEdge('approve', 'execute')
    .addEdge('execute', 'respond')
    .addEdge('respond', END)
    .compile({ checkpointer: new MemorySaver() });
}

/**
 * Runs the graph on one thread; when it stops at Airlock's interrupt, calls
 * `onInterrupt` (e.g. tell a person where to decide), then resumes the thread.
 */
export async function runLangGraphRefund(options: { airlock: Airlock; amount: string; callId: string; onInterrupt?: (value: AirlockInterrupt) => void }): Promise<RefundRun> {
  const refunds: unknown[] = [];
  const graph = refundGraph({ ...options, refunds });
  const config = { configurable: { thread_id: `refund-${options.callId}` } };
  let result = await graph.invoke({ messages: [new HumanMessage(`Refund ${options.amount} USD for the duplicate charge on pay_123.`)] }, config);
  let pending = false;
  for (;;) {
    const interrupts = (result as { __interrupt__?: { value: AirlockInterrupt }[] }).__interrupt__ ?? [];
    if (interrupts.length === 0) break;
    pending = true;
    for (const { value } of interrupts) options.onInterrupt?.(value);
    // The checkpointer kept the thread; the approve node reads Airlock's decision when it runs again.
    result = await graph.invoke(new Command({ resume: 'decided in Airlock' }), config);
  }
  const answer = result.messages.at(-1);
  return { answer: typeof answer?.content === 'string' ? answer.content : JSON.stringify(answer?.content), refunds, pending };
}

if (isMain(import.meta.url)) {
  const airlock = await connectFromEnv();
  const run = await runLangGraphRefund({ airlock, amount: process.argv[2] ?? '25.00', callId: `call-${Date.now()}`, onInterrupt: (value) => console.log(value.message) });
  console.log(run.answer);
}
