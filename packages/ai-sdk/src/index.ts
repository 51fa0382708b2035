import {
  createRunReports,
  editedArgsText,
  logReportError,
  refusalText,
  refuseUnknownFields,
  runErrorText,
  type Airlock,
  type AuthorizationState,
  type ReportErrorHandler,
} from '@airlock/sdk';
import { asSchema, TypeValidationError } from 'ai';
import type { ContentPart, ModelMessage, Tool, ToolApprovalResponse, ToolApprovalStatus, ToolSet } from 'ai';

export { AirlockReportError, type ReportErrorHandler } from '@airlock/sdk';

const MAX_REMEMBERED_EDITS = 1_000;

/** What a tool result becomes in the model's prompt (the AI SDK's ToolResultOutput). */
type ModelOutput = Awaited<ReturnType<NonNullable<Tool['toModelOutput']>>>;

export interface AirlockApprovalsOptions {
  /** A REST client with the agent's key (`Airlock.connect({ url, apiKey })`). */
  airlock: Airlock;
  /**
   * The AI SDK tool names Airlock decides, each mapped to its Airlock tool name (`{ refund: 'payments.refund' }`).
   * Others run as usual: `toolApproval` answers for them what their own `needsApproval` says.
   */
  tools: Record<string, string>;
  /** How long one approval check waits for Airlock before reporting the call as pending (default 2 s, at most 30 s). */
  waitMs?: number;
  /** The rationale approvers read; default names the tool the model called. */
  rationale?: (toolName: string, input: unknown) => string;
  /**
   * Told when Airlock did not record a run (it refused the report, or stayed unreachable for 30 s): the
   * tool's result still goes to the model, and the same call asked again is answered without running
   * it again. Default: `console.error`.
   */
  onReportError?: ReportErrorHandler;
}

/** How the call went the first time: answered the same way when the same call comes again before Airlock recorded it. */
type RunOutcome = { status: 'succeeded'; output: unknown } | { status: 'failed'; error: unknown };

const runReports = createRunReports<RunOutcome>();

interface ToolCallLike {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** What the AI SDK gives a generic `toolApproval` function (its GenericToolApprovalFunction), for any tool set. */
interface ApprovalRequest {
  toolCall: ToolCallLike;
  /** The tools the SDK runs this call with: an approved call runs `tools[toolCall.toolName].execute`. */
  tools: ToolSet | undefined;
  toolsContext: unknown;
  /** The messages sent to the model for the step that made the call. */
  messages: ModelMessage[];
}

type AnyTool = ToolSet[string];

/**
 * Airlock as the AI SDK's tool approval: each call of a mapped tool becomes one
 * gate-only Airlock action (policy, guardrails, budgets, approvals, audit), keyed
 * by the tool call id so asking again is the same action.
 *
 * - `toolApproval`: pass to `generateText` / `streamText` / `ToolLoopAgent`. Allowed
 *   by policy or already approved → `approved`; denied, expired or cancelled →
 *   `denied` with the reason and the approver's feedback for the model; still
 *   waiting for a person → `user-approval` (the SDK returns a `tool-approval-request`).
 *   A tool Airlock does not decide gets what its own `needsApproval` says. A mapped
 *   tool that is not the one `tools(set)` returned fails the call with an error, before
 *   Airlock is asked.
 * - `decide(content)`: waits for Airlock's decision on each pending request and
 *   returns the `tool-approval-response`s to append as a `tool` message.
 * - `tools(set)`: wraps the mapped tools' `execute` so they run with the arguments
 *   Airlock authorized (an approver may have edited them) and report the result (a report
 *   Airlock does not take goes to `onReportError`, never to the model); it refuses a mapping
 *   that names a tool the set does not have, or one without `execute`. After an edit the
 *   model reads, below the result, what changed (`editedArgsText`, through `toModelOutput`,
 *   in the process that ran the tool: stored model messages keep it, a UI message's stored
 *   output does not; see README.md).
 */
export function airlockApprovals(options: AirlockApprovalsOptions) {
  refuseUnknownFields(options, ['airlock', 'tools', 'waitMs', 'rationale', 'onReportError'], 'options');
  const { airlock } = options;
  const onReportError = options.onReportError ?? logReportError;
  const waitMs = Math.min(Math.max(options.waitMs ?? 2_000, 0), 30_000);

  // Own names only: a tool name comes from the model, and `constructor` must not find Object's.
  const isGated = (toolName: string): boolean => Object.hasOwn(options.tools, toolName);

  // The execute functions tools() made, not the tool objects: the SDK may copy a tool ({ ...tool, providerOptions }
  // for a provider tool caller), keeping its execute, and the execute is what runs.
  const gatedExecutes = new WeakSet<object>();
  const runsThroughGate = (tool: AnyTool): boolean => tool.execute !== undefined && gatedExecutes.has(tool.execute);

  const authorize = async (call: ToolCallLike): Promise<string> => {
    const tool = isGated(call.toolName) ? options.tools[call.toolName] : undefined;
    if (!tool) throw new Error(`${call.toolName} is not an Airlock tool`);
    const rationale = options.rationale?.(call.toolName, call.input) ?? `The model called ${call.toolName}.`;
    const { actionId } = await airlock.authorize({ tool, args: asArgs(call.input), idempotencyKey: `ai-sdk:${call.toolCallId}`, rationale });
    return actionId;
  };

  // Takes any tool set's call: assignable to GenericToolApprovalFunction for every `tools` the caller passes.
  // The SDK asks this function instead of each tool's own needsApproval, so the other tools get that answer here.
  const toolApproval = async (request: ApprovalRequest): Promise<ToolApprovalStatus> => {
    const { toolCall } = request;
    if (!isGated(toolCall.toolName)) return ownApproval(request);
    const tool = ownValue(request.tools, toolCall.toolName);
    // Not a tool of this call: the SDK has nothing to run, so no Airlock action is asked for.
    if (!tool) return { type: 'denied', reason: `${toolCall.toolName} is not one of the tools of this call` };
    // An approval would run the tool's own execute: the model's arguments, not the ones Airlock authorized, with no
    // claim and no report. A setup error, the same on every call: thrown, so the first call shows it.
    if (!runsThroughGate(tool)) throw new Error(notWrappedText(toolCall.toolName));
    const actionId = await authorize(toolCall);
    return approvalStatus(await airlock.checkAuthorization(actionId, waitMs));
  };

  /** The responses for every pending Airlock approval in `content`, once a person (or the deadline) has decided. */
  const decide = async <T extends ToolSet>(content: readonly ContentPart<T>[]): Promise<ToolApprovalResponse[]> => {
    const pending = content.filter((part) => part.type === 'tool-approval-request' && !part.isAutomatic && isGated(part.toolCall.toolName));
    return Promise.all(
      pending.map(async (part) => {
        if (part.type !== 'tool-approval-request') throw new Error('unreachable');
        const state = await airlock.awaitAuthorization(await authorize(part.toolCall));
        const status = approvalStatus(state);
        const approved = typeof status === 'object' && status.type === 'approved';
        const reason = typeof status === 'object' ? status.reason : undefined;
        return { type: 'tool-approval-response', approvalId: part.approvalId, approved, ...(reason ? { reason } : {}) } satisfies ToolApprovalResponse;
      }),
    );
  };

  // Tool call id → what an approver changed, read when the result is turned into the model's prompt.
  // Bounded: a long-lived gate keeps the latest notes only (a prompt is built right after its tool runs).
  const edits = new Map<string, string>();
  const rememberEdit = (toolCallId: string, note: string) => {
    for (const oldest of edits.keys()) {
      if (edits.size < MAX_REMEMBERED_EDITS) break;
      edits.delete(oldest);
    }
    edits.set(toolCallId, note);
  };

  const tools = <T extends ToolSet>(set: T): T => {
    refuseUngatable(Object.keys(options.tools), set);
    const wrapped: ToolSet = { ...set };
    for (const [name, original] of Object.entries(set)) {
      const execute = original.execute;
      if (!isGated(name) || !execute) continue;
      const toModelOutput = original.toModelOutput;
      const gated = {
        ...original,
        toModelOutput: async (result: { toolCallId: string; input: unknown; output: unknown }): Promise<ModelOutput> => {
          const shown = toModelOutput ? await toModelOutput(result) : defaultModelOutput(result.output);
          const edited = edits.get(result.toolCallId);
          return edited ? withNote(shown, edited) : shown;
        },
        execute: async (input: unknown, execution: { toolCallId: string }) => {
          const actionId = await authorize({ toolCallId: execution.toolCallId, toolName: name, input });
          // Ran here before, but Airlock has not recorded it (the action is still authorized): the same answer, never a second run.
          const unreported = await runReports.replay(airlock, actionId, onReportError);
          if (unreported) return answer(unreported.outcome);
          const state = await airlock.awaitAuthorization(actionId);
          // Reported before (a retried step): the same output, never a second run.
          if (state.status === 'executed') return state.output;
          // Refused since toolApproval let it through (kill switch, expiry): the SDK hands this to the model as the tool's error.
          if (state.status !== 'authorized') throw new Error(`Airlock refused ${name}: ${refusalText(state)}`);
          // Claimed before it runs: another process (this one before a restart) that claimed the call first may have run it.
          const start = await runReports.start(airlock, actionId, name, state.authorizationId);
          if (!start.run) {
            if (start.claimedElsewhere) return start.text;
            throw new Error(start.text);
          }
          const ran = { authorizationId: state.authorizationId, args: state.args };
          let outcome: RunOutcome;
          try {
            outcome = { status: 'succeeded', output: await (execute as (input: unknown, options: unknown) => unknown)(state.args, execution) };
          } catch (error) {
            outcome = { status: 'failed', error };
          }
          if (outcome.status === 'succeeded') {
            const edited = editedArgsText(asArgs(input), state.args);
            if (edited) rememberEdit(execution.toolCallId, edited);
          }
          // Only the tool's own error is a failure: a report Airlock did not take goes to onReportError, and the model reads the result.
          const report =
            outcome.status === 'succeeded'
              ? { ...ran, status: 'succeeded' as const, output: outcome.output ?? null }
              : { ...ran, status: 'failed' as const, error: runErrorText(outcome.error) };
          await runReports.settle(airlock, { actionId, toolName: name, report, outcome }, onReportError);
          return answer(outcome);
        },
      };
      gatedExecutes.add(gated.execute);
      wrapped[name] = gated;
    }
    return wrapped as T;
  };

  return { toolApproval, decide, tools };
}

/**
 * A mapping the adapter cannot gate, refused rather than left ungated: a misspelled name would leave the tool it
 * meant ungated, and a tool without `execute` (client-side, or run by the provider) would be called with the
 * model's arguments, not the ones Airlock authorized, and nothing would report what ran.
 */
function refuseUngatable(gatedNames: string[], set: ToolSet): void {
  const unknown = gatedNames.filter((name) => !Object.hasOwn(set, name));
  if (unknown.length > 0) {
    throw new Error(`airlockApprovals: options.tools names ${unknown.join(', ')}, not in the tool set (its tools: ${Object.keys(set).join(', ') || 'none'})`);
  }
  const unrun = gatedNames.filter((name) => !set[name]?.execute);
  if (unrun.length > 0) {
    throw new Error(
      `airlockApprovals: options.tools names ${unrun.join(', ')}, without execute (a client-side or provider-executed tool): ` +
        'Airlock gates a tool this process runs, with the arguments Airlock authorized; give it an execute or leave it out of options.tools',
    );
  }
}

function notWrappedText(toolName: string): string {
  return (
    `airlockApprovals: the ${toolName} tool the AI SDK would run was not wrapped by gate.tools(), so an approved call would ` +
    "run with the model's arguments, not the ones Airlock authorized, and nothing would report it to Airlock: pass " +
    'tools: gate.tools(yourTools) to generateText / streamText / the agent, with toolApproval: gate.toolApproval'
  );
}

/**
 * The AI SDK's answer for a tool when no generic approval function is given (ai 7's resolve-tool-approval.ts):
 * the tool's own `needsApproval`, a boolean or a function of the input, call id, messages and tool context.
 */
async function ownApproval({ toolCall, tools, toolsContext, messages }: ApprovalRequest): Promise<ToolApprovalStatus> {
  const tool = ownValue(tools, toolCall.toolName);
  const needsApproval = tool?.needsApproval;
  if (tool === undefined || needsApproval == null) return undefined;
  const needed =
    typeof needsApproval === 'function'
      ? await needsApproval(toolCall.input, {
          toolCallId: toolCall.toolCallId,
          messages,
          context: await toolContext(toolCall.toolName, tool, toolsContext),
        })
      : needsApproval;
  return needed ? { type: 'user-approval' } : undefined;
}

/** The tool's context as the SDK hands it over: checked against its `contextSchema` when it has one (ai 7's validate-tool-context.ts). */
async function toolContext(toolName: string, tool: AnyTool, toolsContext: unknown): Promise<unknown> {
  const context = isRecord(toolsContext) ? ownValue(toolsContext, toolName) : undefined;
  if (tool.contextSchema == null) return context;
  const schema = asSchema(tool.contextSchema);
  if (!schema.validate) return context;
  const where = { field: 'tool context', entityName: toolName };
  let result: Awaited<ReturnType<typeof schema.validate>>;
  try {
    result = await schema.validate(context);
  } catch (cause) {
    throw TypeValidationError.wrap({ value: context, cause, context: where });
  }
  if (!result.success) throw TypeValidationError.wrap({ value: context, cause: result.error, context: where });
  return result.value;
}

/** Own properties only, as the SDK looks tools up: a model's tool name must not find `Object.prototype`'s members. */
function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Airlock's state of a gate-only action as the AI SDK's approval status. */
export function approvalStatus(state: AuthorizationState): ToolApprovalStatus {
  switch (state.status) {
    case 'authorized':
    case 'executed':
      return { type: 'approved', reason: `approved in Airlock (action ${state.actionId})` };
    case 'pending':
      return { type: 'user-approval', reason: `waiting for a person in Airlock (action ${state.actionId})` };
    default:
      return { type: 'denied', reason: refusalText(state) };
  }
}

/** The AI SDK's own conversion when a tool has no `toModelOutput`: text as text, anything else as JSON. */
function defaultModelOutput(output: unknown): ModelOutput {
  return typeof output === 'string'
    ? { type: 'text', value: output }
    : { type: 'json', value: JSON.parse(JSON.stringify(output ?? null)) as Extract<ModelOutput, { type: 'json' }>['value'] };
}

/** The result as the model would read it, then the note on its own line. */
function withNote(shown: ModelOutput, note: string): ModelOutput {
  switch (shown.type) {
    case 'text':
      return { ...shown, value: `${shown.value}\n${note}` };
    case 'json':
      return { type: 'text', value: `${JSON.stringify(shown.value)}\n${note}` };
    case 'content':
      return { ...shown, value: [...shown.value, { type: 'text', text: note }] };
    default:
      return shown;
  }
}

function asArgs(input: unknown): Record<string, unknown> {
  if (input && typeof input === 'object' && !Array.isArray(input)) return input as Record<string, unknown>;
  return { input };
}

/** The tool's own answer: its output, or its error thrown again (the SDK hands it to the model as the tool's error). */
function answer(outcome: RunOutcome): unknown {
  if (outcome.status === 'failed') throw outcome.error;
  return outcome.output;
}
