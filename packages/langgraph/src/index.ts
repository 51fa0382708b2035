import {
  createRunReports,
  editedArgsText,
  jsonForModel,
  logReportError,
  refusalText,
  refuseUnknownFields,
  runErrorText,
  type AgentRunReport,
  type Airlock,
  type ReportErrorHandler,
} from '@airlock/sdk';
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { interrupt } from '@langchain/langgraph';

export { AirlockReportError, type ReportErrorHandler } from '@airlock/sdk';

/** One tool the graph runs itself, gated by Airlock. */
export interface GatedTool {
  /** The Airlock tool name the policy knows it by, e.g. `payments.refund`. */
  airlockTool: string;
  /** The agent's own implementation; it runs only with the arguments Airlock authorized. */
  run: (args: Record<string, unknown>) => unknown;
}

export interface AirlockNodesOptions {
  /** A REST client with the agent's key (`Airlock.connect({ url, apiKey })`). */
  airlock: Airlock;
  /** Tool-call names Airlock gates, each with the tool it runs; calls of other tools pass through the nodes untouched. */
  tools: Record<string, GatedTool>;
  /** How long the approval node waits for a person before it interrupts the graph (default 2 s, at most 30 s). */
  waitMs?: number;
  /**
   * Told when Airlock did not record a run (it refused the report, or stayed unreachable for 30 s): the
   * model still reads the tool's result, and the same call executed again is answered without running
   * it again. Default: `console.error`.
   */
  onReportError?: ReportErrorHandler;
}

/** What the model was answered the first time: answered the same way when the same call comes again before Airlock recorded it. */
interface RunOutcome {
  status: 'success' | 'error';
  content: string;
}

const runReports = createRunReports<RunOutcome>();

/** What the approval node's `interrupt` carries: the Airlock actions a person must decide. */
export interface AirlockInterrupt {
  type: 'airlock_approval';
  actionIds: string[];
  message: string;
}

interface MessagesState {
  messages: BaseMessage[];
}

interface PendingCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/**
 * Two nodes for a LangGraph agent whose tools Airlock gates, used as
 * `agent → approve → execute → …`. Both handle the calls of the tools in
 * `options.tools` only; calls of other tools pass through untouched, for the
 * graph's own node to answer.
 *
 * - `approve` turns each gated tool call of the last AI message into one gate-only
 *   Airlock action (keyed by the tool call id). If a person must decide, it calls
 *   `interrupt()` with the action ids; resume the thread with
 *   `new Command({ resume: … })` (a checkpointer keeps the graph meanwhile) and
 *   the node reads Airlock's decision. Refused calls are answered with a
 *   ToolMessage carrying the reason and the approver's feedback for the model.
 * - `execute` runs the authorized calls with the authorized arguments (an
 *   approver may have edited them) and reports each result to Airlock; an edit
 *   is told to the model below the result (`editedArgsText`).
 */
export function airlockNodes(options: AirlockNodesOptions) {
  refuseUnknownFields(options, ['airlock', 'tools', 'waitMs', 'onReportError'], 'options');
  for (const [name, gated] of Object.entries(options.tools)) refuseUnknownFields(gated, ['airlockTool', 'run'], `options.tools.${name}`);
  const { airlock } = options;
  const onReportError = options.onReportError ?? logReportError;
  /**
   * The last AI message's calls Airlock gates that nothing answered yet; other tools' calls are the graph's own. A gated
   * call without an id is refused (thrown): Airlock keys the action by it, and passed through, the graph's own tool
   * node could run the tool with no Airlock action at all.
   */
  const gatedCalls = (messages: BaseMessage[]): PendingCall[] =>
    unansweredCalls(messages)
      .filter((call) => Object.hasOwn(options.tools, call.name))
      .map(({ id, ...call }) => {
        if (!id) throw new Error(`${call.name}: the tool call has no id, so Airlock cannot key its action; it is not run`);
        return { id, ...call };
      });
  const waitMs = Math.min(Math.max(options.waitMs ?? 2_000, 0), 30_000);

  const authorize = async (call: PendingCall): Promise<string> => {
    const gated = options.tools[call.name];
    if (!gated) throw new Error(`${call.name} is not a tool of this graph`);
    const { actionId } = await airlock.authorize({ tool: gated.airlockTool, args: call.args, idempotencyKey: `langgraph:${call.id}`, rationale: `The model called ${call.name}.` });
    return actionId;
  };

  const approve = async (state: MessagesState): Promise<Partial<MessagesState>> => {
    const calls = gatedCalls(state.messages);
    const ids = await Promise.all(calls.map(authorize));
    const first = await Promise.all(ids.map((id) => airlock.checkAuthorization(id, waitMs)));
    const waiting = ids.filter((_, i) => first[i]?.status === 'pending');
    if (waiting.length > 0) {
      // The graph stops here (checkpointed); on resume the node runs again and reads the decisions.
      interrupt<AirlockInterrupt>({ type: 'airlock_approval', actionIds: waiting, message: `waiting for a person in Airlock: ${waiting.join(', ')}` });
    }
    const decided = await Promise.all(ids.map((id) => airlock.awaitAuthorization(id)));
    const refusals = calls.flatMap((call, i) => {
      const state = decided[i];
      if (!state || state.status === 'authorized' || state.status === 'executed') return [];
      return [new ToolMessage({ tool_call_id: call.id, name: call.name, status: 'error', content: `Airlock refused ${call.name}: ${refusalText(state)}` })];
    });
    return { messages: refusals };
  };

  const execute = async (state: MessagesState): Promise<Partial<MessagesState>> => {
    const results: ToolMessage[] = [];
    for (const call of gatedCalls(state.messages)) {
      const actionId = await authorize(call);
      // Ran here before, but Airlock has not recorded it (the action is still authorized): the same answer, never a second run.
      const unreported = await runReports.replay(airlock, actionId, onReportError);
      if (unreported) {
        results.push(new ToolMessage({ tool_call_id: call.id, name: call.name, ...unreported.outcome }));
        continue;
      }
      const decided = await airlock.awaitAuthorization(actionId);
      if (decided.status === 'executed') {
        results.push(new ToolMessage({ tool_call_id: call.id, name: call.name, content: JSON.stringify(decided.output) }));
        continue;
      }
      // Refused since the approve node ran (a kill switch revoked it, the authorization expired): the model is told, the graph goes on.
      if (decided.status !== 'authorized') {
        results.push(new ToolMessage({ tool_call_id: call.id, name: call.name, status: 'error', content: `Airlock refused ${call.name}: ${refusalText(decided)}` }));
        continue;
      }
      const gated = options.tools[call.name];
      if (!gated) throw new Error(`${call.name} is not a tool of this graph`);
      // Claimed before it runs: another process (this one before a restart) that claimed the call first may have run it.
      const start = await runReports.start(airlock, actionId, call.name, decided.authorizationId);
      if (!start.run) {
        results.push(new ToolMessage({ tool_call_id: call.id, name: call.name, status: 'error', content: start.text }));
        continue;
      }
      const ran = { authorizationId: decided.authorizationId, args: decided.args };
      let run: { ok: true; output: unknown } | { ok: false; error: unknown };
      // Only the tool's own error is a failure: what follows it ran must not turn its run into one.
      try {
        run = { ok: true, output: await gated.run(decided.args) };
      } catch (error) {
        run = { ok: false, error };
      }
      let report: AgentRunReport;
      let outcome: RunOutcome;
      if (run.ok) {
        // The output as it came: the SDK sends one JSON cannot carry (a BigInt, a cycle) in Airlock's storable form.
        report = { ...ran, status: 'succeeded', output: run.output ?? null };
        // The model asked for call.args; it must know when a person changed them.
        const edited = editedArgsText(call.args, decided.args);
        outcome = { status: 'success', content: [jsonForModel(run.output ?? null), edited].filter(Boolean).join('\n') };
      } else {
        // A report Airlock did not take goes to onReportError, and the model reads the result.
        const message = runErrorText(run.error);
        report = { ...ran, status: 'failed', error: message };
        outcome = { status: 'error', content: `${call.name} failed: ${message}` };
      }
      await runReports.settle(airlock, { actionId, toolName: call.name, report, outcome }, onReportError);
      results.push(new ToolMessage({ tool_call_id: call.id, name: call.name, ...outcome }));
    }
    return { messages: results };
  };

  return { approve, execute };
}

/** Tool calls of the last AI message that no ToolMessage answers yet, those without an id (which none can answer) included. */
function unansweredCalls(messages: BaseMessage[]): Array<Omit<PendingCall, 'id'> & { id: string | undefined }> {
  const lastAi = [...messages].reverse().find((m): m is AIMessage => AIMessage.isInstance(m));
  if (!lastAi?.tool_calls?.length) return [];
  const answered = new Set(messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m)).map((m) => m.tool_call_id));
  return lastAi.tool_calls.filter((call) => !call.id || !answered.has(call.id)).map((call) => ({ id: call.id, name: call.name, args: call.args as Record<string, unknown> }));
}
