import {
  createRunReports,
  editedArgsText,
  jsonForModel,
  logReportError,
  refusalText,
  refuseUnknownFields,
  runErrorText,
  type Airlock,
  type ReportErrorHandler,
} from '@airlock/sdk';
import { tool, type RunContext, type RunState, type RunToolApprovalItem, type Tool } from '@openai/agents';
import { prepareFunctionToolInput } from '@openai/agents-core/utils/internal';
import type { z } from 'zod';

export { AirlockReportError, type ReportErrorHandler } from '@airlock/sdk';

export interface AirlockToolOptions<Parameters extends z.ZodObject, Result> {
  /** A REST client with the agent's key (`Airlock.connect({ url, apiKey })`). */
  airlock: Airlock;
  /** The Airlock tool name the policy knows this tool by, e.g. `payments.refund`. */
  airlockTool: string;
  name: string;
  description: string;
  parameters: Parameters;
  /** The agent's own implementation; it runs only with the arguments Airlock authorized. */
  execute: (input: z.infer<Parameters>) => Promise<Result> | Result;
  /** How long the approval check waits for a person before the run is interrupted (default 2 s, at most 30 s). */
  waitMs?: number;
  /** The rationale approvers read; default names the tool the model called. */
  rationale?: (input: z.infer<Parameters>) => string;
  /**
   * Told when Airlock did not record a run (it refused the report, or stayed unreachable for 30 s): the
   * tool's result still goes to the model, and the same call asked again is answered without running
   * it again. Default: `console.error`.
   */
  onReportError?: ReportErrorHandler;
}

/** What the model was answered the first time: answered the same way when the same call comes again before Airlock recorded it. */
type RunOutcome = { status: 'succeeded'; answer: unknown } | { status: 'failed'; error: unknown };

const runReports = createRunReports<RunOutcome>();

/**
 * An Agents SDK function tool gated by Airlock. `needsApproval` asks Airlock
 * (one gate-only action per tool call, keyed by the call id): allowed by policy
 * or already approved → no interruption, the tool runs; waiting for a person or
 * refused → the run stops with an interruption. `execute` runs with the
 * authorized arguments (an approver may have edited them) and reports the result,
 * so the audit trail records what actually happened (a report Airlock does not take
 * goes to `onReportError`, never to the model); after an edit, the model reads
 * the result followed by what changed (`editedArgsText`).
 *
 * Resume with `decideInterruptions(airlock, state, result.interruptions)`, then
 * `run(agent, state)`. The run state can be saved with `state.toString()` and
 * restored in another process with `RunState.fromString(agent, text)`.
 */
export function airlockTool<Parameters extends z.ZodObject, Result>(options: AirlockToolOptions<Parameters, Result>) {
  refuseUnknownFields(options, ['airlock', 'airlockTool', 'name', 'description', 'parameters', 'execute', 'waitMs', 'rationale', 'onReportError'], 'options');
  const { airlock } = options;
  const onReportError = options.onReportError ?? logReportError;
  const waitMs = Math.min(Math.max(options.waitMs ?? 2_000, 0), 30_000);
  const authorize = async (callId: string | undefined, input: z.infer<Parameters>): Promise<string> => {
    if (!callId) throw new Error(`${options.name}: the Agents SDK gave no call id, so Airlock cannot key the action`);
    const rationale = options.rationale?.(input) ?? `The model called ${options.name}.`;
    const { actionId } = await airlock.authorize({ tool: options.airlockTool, args: input, idempotencyKey: idempotencyKey(callId), rationale });
    return actionId;
  };
  // Widened for the SDK's overloads; the typed schema still parses the authorized arguments in execute.
  const parameters: z.ZodObject = options.parameters;

  const gatedTool = tool({
    name: options.name,
    description: options.description,
    parameters,
    // Re-evaluated when a restored run resumes: by then Airlock has decided.
    needsApproval: async (_context: RunContext, input, callId) => {
      const state = await airlock.checkAuthorization(await authorize(callId, input as z.infer<Parameters>), waitMs);
      return state.status !== 'authorized' && state.status !== 'executed';
    },
    execute: async (input, _context, details) => {
      const actionId = await authorize(details?.toolCall?.callId, input as z.infer<Parameters>);
      // Ran here before, but Airlock has not recorded it (the action is still authorized): the same answer, never a second run.
      const unreported = await runReports.replay(airlock, actionId, onReportError);
      if (unreported) return answer(unreported.outcome);
      const state = await airlock.awaitAuthorization(actionId);
      // Reported before (a resumed run replaying the call): the same output, never a second run.
      if (state.status === 'executed') return state.output;
      // Refused since needsApproval let it through (kill switch, expiry): the same words the model reads on a rejection.
      if (state.status !== 'authorized') return `Airlock refused ${options.name}: ${refusalText(state)}`;
      // Claimed before it runs: another process (this one before a restart) that claimed the call first may have run it.
      const start = await runReports.start(airlock, actionId, options.name, state.authorizationId);
      if (!start.run) return start.text;
      const ran = { authorizationId: state.authorizationId, args: state.args };
      let output: Result;
      try {
        output = await options.execute(options.parameters.parse(state.args));
      } catch (error) {
        // Only the tool's own error is a failure: the SDK tells the model, and a report Airlock did not take goes to onReportError.
        const report = { ...ran, status: 'failed' as const, error: runErrorText(error) };
        await runReports.settle(airlock, { actionId, toolName: options.name, report, outcome: { status: 'failed', error } }, onReportError);
        throw error;
      }
      // The model asked for `input`; it must know when a person changed it (the output alone may not show it).
      const edited = editedArgsText(input, state.args);
      // Written by a serialiser that cannot throw: the tool has run, so its report must go whatever the output holds.
      const shown = edited ? `${typeof output === 'string' ? output : jsonForModel(output ?? null)}\n${edited}` : output;
      // The output as it came: the SDK sends one JSON cannot carry (a BigInt, a cycle) in Airlock's storable form.
      const report = { ...ran, status: 'succeeded' as const, output: output ?? null };
      await runReports.settle(airlock, { actionId, toolName: options.name, report, outcome: { status: 'succeeded', answer: shown } }, onReportError);
      return shown;
    },
  });
  gated.set(gatedTool, { airlockTool: options.airlockTool });
  return gatedTool;
}

/**
 * Tools built by `airlockTool`, each with its Airlock tool name. Keyed by the tool itself, not its
 * name: two agents in one process may each have a `refund` that means a different Airlock tool.
 */
const gated = new WeakMap<Tool, { airlockTool: string }>();

/**
 * The Airlock action behind an interruption of an Airlock-gated tool (the interrupted agent's own tool of that name):
 * its Airlock tool, and the arguments `needsApproval` was asked with. The SDK normalizes the model's JSON before asking
 * (in strict mode it drops the nulls sent for optional fields; zod defaults and transforms apply): the same arguments,
 * the same action. The raw JSON would name other arguments under the same idempotency key, which Airlock refuses (409).
 */
function gatedCallOf(item: RunToolApprovalItem): { airlockTool: string; name: string; args: Record<string, unknown>; callId: string } | undefined {
  const raw = item.rawItem;
  if (raw.type !== 'function_call') return undefined;
  const own = (item.agent.tools as Tool[]).find((candidate) => candidate.name === raw.name);
  const target = own && gated.get(own);
  if (!own || !target || own.type !== 'function') return undefined;
  // The SDK's own preparation (what its runner hands needsApproval), from its entry point for runners built on it.
  const prepared = prepareFunctionToolInput(own, raw.arguments);
  const args: unknown = prepared?.result.success ? prepared.result.value : JSON.parse(raw.arguments);
  return { airlockTool: target.airlockTool, name: raw.name, args: args as Record<string, unknown>, callId: raw.callId };
}

/** The model's first answer again: the tool's result, or its error thrown again (the SDK tells the model it failed). */
function answer(outcome: RunOutcome): unknown {
  if (outcome.status === 'failed') throw outcome.error;
  return outcome.answer;
}

function idempotencyKey(callId: string): string {
  return `openai-agents:${callId}`;
}

/**
 * Waits for Airlock's decision on each interruption of Airlock-gated tools and
 * applies it to the run state: approve, or reject with the reason and the
 * approver's feedback as the message the model reads. Others are left alone.
 * Returns the action ids decided.
 */
export async function decideInterruptions(airlock: Airlock, state: Pick<RunState<unknown, never>, 'approve' | 'reject'>, interruptions: RunToolApprovalItem[]): Promise<string[]> {
  const decided: string[] = [];
  for (const item of interruptions) {
    const call = gatedCallOf(item);
    if (!call) continue;
    const { actionId } = await airlock.authorize({ tool: call.airlockTool, args: call.args, idempotencyKey: idempotencyKey(call.callId) });
    const outcome = await airlock.awaitAuthorization(actionId);
    if (outcome.status === 'authorized' || outcome.status === 'executed') state.approve(item);
    else state.reject(item, { message: `Airlock refused ${call.name}: ${refusalText(outcome)}` });
    decided.push(actionId);
  }
  return decided;
}

/** The action ids behind the pending interruptions, for showing or logging where a person must decide. */
export async function pendingActionIds(airlock: Airlock, interruptions: RunToolApprovalItem[]): Promise<string[]> {
  const ids: string[] = [];
  for (const item of interruptions) {
    const call = gatedCallOf(item);
    if (call) ids.push((await airlock.authorize({ tool: call.airlockTool, args: call.args, idempotencyKey: idempotencyKey(call.callId) })).actionId);
  }
  return ids;
}
