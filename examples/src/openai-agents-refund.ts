/**
 * An OpenAI Agents SDK agent whose refund tool is gated by Airlock. The model is
 * a scripted `Model` (the SDK's model interface; no network): it asks for one
 * refund, then answers with the tool's result or the reason it was refused.
 *
 * The run survives a restart: `start` runs until Airlock needs a person, saves
 * the run state (RunState.toString) and exits; `resume` restores it, waits for
 * the decision and finishes the run.
 *
 *   AIRLOCK_URL=… AIRLOCK_API_KEY=alk_… npx tsx examples/src/openai-agents-refund.ts start 125.00 run.json
 *   AIRLOCK_URL=… AIRLOCK_API_KEY=alk_… npx tsx examples/src/openai-agents-refund.ts resume run.json
 *
 * `resume` takes the amount from the run file: the run it restores asked for that one.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { airlockTool, decideInterruptions, pendingActionIds } from '@airlock/openai-agents';
import type { Airlock } from '@airlock/sdk';
import { Agent, RunState, Runner, Usage, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';
import { z } from 'zod';
import { connectFromEnv } from './env.js';
import { isMain, mockRefundModelTurn, refundArgs, type RefundRun } from './shared.js';

/** The scripted model: a refund call first, then an answer from the tool's result. */
class ScriptedRefundModel implements Model {
  constructor(
    private readonly amount: string,
    private readonly callId: string,
  ) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const items = typeof request.input === 'string' ? [] : request.input;
    const last = items.at(-1);
    const result = last?.type === 'function_call_result' ? (typeof last.output === 'string' ? last.output : 'text' in last.output ? last.output.text : '') : undefined;
    const turn = mockRefundModelTurn(result === undefined ? undefined : result.startsWith('Airlock refused') ? `denied: ${result}` : `done: ${result}`);
    const output: ModelResponse['output'] =
      turn.kind === 'call'
        ? [{ type: 'function_call', callId: this.callId, name: 'refund', arguments: JSON.stringify(refundArgs(this.amount)), status: 'completed' }]
        : [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.text }] }];
    return { usage: new Usage(), output };
  }

  // eslint-disable-next-line require-yield -- the example never streams
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('the scripted model does not stream');
  }
}

export function refundAgent(airlock: Airlock, amount: string, callId: string, refunds: unknown[]) {
  const refund = airlockTool({
    airlock,
    airlockTool: 'payments.refund',
    name: 'refund',
    description: 'Refund a payment',
    parameters: z.object({ paymentId: z.string(), amount: z.string(), currency: z.string(), reason: z.string() }),
    waitMs: 1_000,
    // The agent's own payment code: it runs only with the arguments Airlock authorized.
    execute: (args) => {
      refunds.push(args);
      return JSON.stringify({ refundId: `re_${args.paymentId}`, amount: args.amount });
    },
  });
  return new Agent({ name: 'billing-bot', instructions: 'Refund when asked.', model: new ScriptedRefundModel(amount, callId), tools: [refund] });
}

const runner = new Runner({ tracingDisabled: true });

/** Runs until done or until a person must decide; then returns the saved run state and the action ids waiting. */
export async function startRefund(options: { airlock: Airlock; amount: string; callId: string }) {
  const refunds: unknown[] = [];
  const agent = refundAgent(options.airlock, options.amount, options.callId, refunds);
  const result = await runner.run(agent, `Refund ${options.amount} USD for the duplicate charge on pay_123.`);
  if (result.interruptions.length === 0) return { done: true as const, answer: String(result.finalOutput), refunds };
  return { done: false as const, savedState: result.state.toString(), waitingOn: await pendingActionIds(options.airlock, result.interruptions), refunds };
}

/** Restores a saved run (possibly in another process), applies Airlock's decisions and finishes it. */
export async function resumeRefund(options: { airlock: Airlock; amount: string; callId: string; savedState: string }): Promise<RefundRun> {
  const refunds: unknown[] = [];
  const agent = refundAgent(options.airlock, options.amount, options.callId, refunds);
  let state = await RunState.fromString(agent, options.savedState);
  for (;;) {
    await decideInterruptions(options.airlock, state, state.getInterruptions());
    const result = await runner.run(agent, state);
    if (result.interruptions.length === 0) return { answer: String(result.finalOutput), refunds, pending: true };
    state = result.state;
  }
}

if (isMain(import.meta.url)) {
  const [command, ...rest] = process.argv.slice(2);
  // start [AMOUNT] [RUN_FILE]; resume [RUN_FILE]
  const file = (command === 'resume' ? rest[0] : rest[1]) ?? 'refund-run.json';
  const airlock = await connectFromEnv();
  if (command === 'start') {
    const amount = rest[0] ?? '125.00';
    const callId = `call-${Date.now()}`;
    const started = await startRefund({ airlock, amount, callId });
    if (started.done) console.log(started.answer);
    else {
      await writeFile(file, JSON.stringify({ amount, callId, savedState: started.savedState }));
      console.log(`waiting for a person in Airlock: ${started.waitingOn.join(', ')} (run saved to ${file})`);
    }
  } else if (command === 'resume') {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { amount: string; callId: string; savedState: string };
    console.log((await resumeRefund({ airlock, ...saved })).answer);
  } else {
    console.error('usage: openai-agents-refund.ts start [AMOUNT] [RUN_FILE] | resume [RUN_FILE]');
    process.exitCode = 2;
  }
}
