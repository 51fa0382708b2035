import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { cutText } from '@airlock/core/cut-text';
import type { ActionOutcome } from '@airlock/core/portable';
import { toolMatcher } from '@airlock/policy';
import { AirlockApiError, IdempotencyConflictError, isTransient, UnansweredClaims, type AgentRunReport, type Airlock, type AuthorizationState } from '@airlock/sdk';
import { noSuchAction, refusedByAirlock } from './airlock-errors.js';
import type { GatewayConfig } from './config.js';
import { denialText } from './denial.js';
import { UpstreamNotCalledError, UpstreamOutcomeUnknownError, UpstreamUnavailableError, type GatewayTool, type Upstreams } from './upstreams.js';

export const CHECK_TOOL = 'airlock.check';
/** Where a result says which Airlock action it belongs to (`_meta`). */
export const ACTION_META = 'airlock/actionId';
/** A caller may pass its reason for the call here (`_meta`); approvers see it as the rationale. */
export const RATIONALE_META = 'airlock/rationale';
// Stored outputs stay well under the report body limit; a larger one is summarised in the record.
const MAX_REPORTED_OUTPUT_BYTES = 200 * 1024;
// An error is sent whole (Airlock cuts one past its own limit, with a marker, and audits the cut); only one
// that could not fit the report body (16 MiB, even at 6 bytes a character escaped) is cut here.
const MAX_REPORTED_ERROR_LENGTH = 1_000_000;
// A report that failed on a blip is retried this long before the tool's answer goes back; then on, in the background.
const INLINE_REPORT_RETRY_MS = 5_000;
// Upstream runs Airlock has no report of yet, kept so a check never runs them again; past this many, the oldest settled ones go.
const MAX_UNREPORTED_RUNS = 10_000;
// How long closing waits for reports still being delivered (each also stops at its authorization's deadline).
const REPORT_GRACE_MS = 30_000;

export type GatewaySettings = Pick<GatewayConfig, 'approvalWaitMs' | 'progressIntervalMs' | 'reportWithinMs'>;

export interface GatewaySessionOptions {
  upstreams: Upstreams;
  /** The calling agent's REST client (the SDK's): its key is its identity. */
  api: Airlock;
  settings: GatewaySettings;
  log?: (line: string) => void;
  /** Tests: how long a report failing on a blip is retried before the answer goes back (default 5 s). */
  inlineReportRetryMs?: number;
  /** Tests: how many upstream runs without an accepted report are remembered (default 10,000). */
  maxRememberedRuns?: number;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Authorized = Extract<AuthorizationState, { status: 'authorized' }>;

const checkTool: Tool = {
  name: CHECK_TOOL,
  title: 'Check a pending Airlock action',
  description:
    'Fetches the result of a tool call that was still waiting for a person’s approval. Pass the actionId from the pending answer. ' +
    'Returns the tool’s result once approved, an error with the reason if it was denied, or "still pending".',
  inputSchema: { type: 'object', properties: { actionId: { type: 'string', description: 'the action id from the pending answer' } }, required: ['actionId'] },
  annotations: { readOnlyHint: true, idempotentHint: true },
};

/**
 * One upstream run per authorized action in this process: a call and a check that race share the run, and a
 * run stays here until Airlock accepted its report, so a check of an action still "authorized" in Airlock (its
 * report refused, or not through yet) answers from here instead of running the tool again.
 */
const upstreamRuns = new Map<string, RememberedRun>();

/** The runner ids of claims that got no answer, kept across requests (the HTTP gateway makes a client per request). */
const unansweredClaims = new UnansweredClaims(MAX_UNREPORTED_RUNS);

interface RememberedRun {
  /** The run's answer, its result capped as reported (MAX_REPORTED_OUTPUT_BYTES). */
  result: Promise<CallToolResult>;
  /** The authorization's deadline: past it Airlock no longer answers "authorized", so the run is forgotten. */
  expiresAt: number;
  /** Runs and deliveries of its report still under way: while any is, the run is never forgotten. */
  pending: number;
}

/** The upstream runs and report deliveries under way; closing waits for them (settleReports). */
const pendingDeliveries = new Set<{ actionId: string; done: Promise<unknown> }>();

/** Tests: whether this process still remembers the upstream run of `actionId`. */
export function rememberedRun(actionId: string): boolean {
  return upstreamRuns.has(actionId);
}

/**
 * Waits for the upstream runs and report deliveries under way (for at most `graceMs`, 30 s by default; each
 * delivery also stops at its authorization's deadline), so a report is not lost when the gateway exits.
 * Logs each action whose report is still undelivered then: the upstream ran (or may still be running), Airlock has no report of it.
 */
export async function settleReports(options: { graceMs?: number; log?: (line: string) => void } = {}): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const until = Date.now() + Math.min(options.graceMs ?? REPORT_GRACE_MS, REPORT_GRACE_MS);
  if (pendingDeliveries.size > 0) log(`waiting up to ${Math.ceil((until - Date.now()) / 1000)} s for ${pendingDeliveries.size} upstream run(s) and report(s) to Airlock`);
  // Again while some are left: a run's background delivery starts as its inline one gives up.
  while (pendingDeliveries.size > 0 && Date.now() < until) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...pendingDeliveries].map((pending) => pending.done)), new Promise((resolve) => (timer = setTimeout(resolve, until - Date.now())))]);
    clearTimeout(timer);
  }
  for (const { actionId } of pendingDeliveries)
    log(
      `action ${actionId}: the gateway is exiting before its upstream run's report reached Airlock; its run was claimed, so when its authorization runs out ` +
        'Airlock ends it as "the tool may have run and its result is unknown", its budget kept spent (check what the tool did)',
    );
}

function track(actionId: string, done: Promise<unknown>): void {
  const pending = { actionId, done };
  const run = upstreamRuns.get(actionId);
  if (run) run.pending += 1;
  pendingDeliveries.add(pending);
  const settled = () => {
    pendingDeliveries.delete(pending);
    if (!run || --run.pending > 0) return;
    // Settled without an accepted report (an accepted one forgot the run already): kept until the authorization expires.
    const forget = () => {
      if (upstreamRuns.get(actionId) === run && run.pending === 0) upstreamRuns.delete(actionId);
    };
    setTimeout(forget, Math.max(0, Math.min(run.expiresAt - Date.now(), 2 ** 31 - 1))).unref();
  };
  done.then(settled, settled);
}

/**
 * The MCP server one agent talks to: the upstream tools it may use, each call
 * a gate-only Airlock action forwarded upstream only once allowed.
 */
export function createGatewayServer(options: GatewaySessionOptions): Server {
  const { upstreams, api, settings } = options;
  const inlineReportRetryMs = options.inlineReportRetryMs ?? INLINE_REPORT_RETRY_MS;
  const maxRememberedRuns = options.maxRememberedRuns ?? MAX_UNREPORTED_RUNS;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const validators = new AjvJsonSchemaValidator();
  const server = new Server(
    { name: 'airlock-mcp-gateway', version: '1.0.0' },
    {
      capabilities: { tools: {} },
      instructions:
        'Every tool call goes through Airlock: policy decides, and a person may have to approve. A call answered as pending is not an error: ' +
        `do not repeat it; call ${CHECK_TOOL} with its actionId later.`,
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const agent = await api.me();
    const allowed = toolMatcher(agent.allowedTools);
    const tools = (await upstreams.list()).filter((tool) => allowed(tool.name)).map(describe);
    return { tools: [...tools, checkTool] };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name } = request.params;
    const args = request.params.arguments ?? {};
    if (name === CHECK_TOOL) return check(args, extra);

    let tool: GatewayTool | undefined;
    try {
      tool = await upstreams.find(name);
    } catch (error) {
      if (error instanceof UpstreamUnavailableError) return toolError(error.message);
      throw error;
    }
    // Nothing to gate: no upstream offers it. Disallowed tools do go to Airlock, which denies and audits them.
    if (!tool) throw new ProtocolError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const invalid = validateArgs(tool, args);
    if (invalid) return toolError(`invalid arguments for ${name}: ${invalid}`);

    const rationale = request.params._meta?.[RATIONALE_META];
    let actionId: string;
    try {
      ({ actionId } = await api.authorize({
        tool: name,
        args,
        idempotencyKey: `mcp-${randomUUID()}`,
        reportWithinMs: settings.reportWithinMs,
        ...(typeof rationale === 'string' ? { rationale } : {}),
      }));
    } catch (error) {
      if (refusedByAirlock(error)) return toolError(`Airlock refused the call to ${name}: ${error.message}`);
      throw error;
    }
    return settle(actionId, extra);
  });

  function describe(tool: GatewayTool): Tool {
    const { descriptor } = tool;
    // No outputSchema: a pending or denied answer carries no structured content, which a client would reject.
    return {
      name: tool.name,
      ...(descriptor.title ? { title: descriptor.title } : {}),
      description: `${descriptor.description ?? ''}${descriptor.description ? '\n\n' : ''}(via Airlock: policy decides; a person may have to approve.)`,
      inputSchema: descriptor.inputSchema,
      ...(descriptor.annotations ? { annotations: descriptor.annotations } : {}),
    };
  }

  function validateArgs(tool: GatewayTool, args: Record<string, unknown>): string | undefined {
    try {
      const result = validators.getValidator(tool.descriptor.inputSchema)(args);
      return result.valid ? undefined : result.errorMessage;
    } catch (error) {
      // A schema the validator cannot compile is the upstream's to enforce.
      log(`tool ${tool.name}: its inputSchema does not compile (${error instanceof Error ? error.message : String(error)}); arguments go unchecked here`);
      return undefined;
    }
  }

  async function check(args: Record<string, unknown>, extra: Extra): Promise<CallToolResult> {
    const actionId = args.actionId;
    if (typeof actionId !== 'string' || actionId.length === 0) return toolError('actionId: required, the id from the pending answer');
    return settle(actionId, extra);
  }

  /** Waits (with progress) until the action is authorized or over, or the wait is up; forwards once authorized. */
  async function settle(actionId: string, extra: Extra): Promise<CallToolResult> {
    const deadline = Date.now() + settings.approvalWaitMs;
    const progressToken = extra._meta?.progressToken;
    let progress = 0;
    let retryMs = 250;
    for (;;) {
      const remaining = deadline - Date.now();
      let state;
      try {
        state = await api.authorization(actionId, Math.max(0, Math.min(remaining, settings.progressIntervalMs)), { signal: extra.signal });
        retryMs = 250;
      } catch (error) {
        if (noSuchAction(error)) return toolError(`no action ${actionId} of this agent`);
        if ((error instanceof AirlockApiError && error.status === 409) || error instanceof IdempotencyConflictError) return toolError(`action ${actionId}: ${error.message}`);
        if (extra.signal.aborted || !isTransient(error) || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(retryMs * 2, 5_000);
        continue;
      }
      if (state.status === 'authorized') return forward(state);
      if (state.status !== 'pending') return fromOutcome(state);
      if (Date.now() >= deadline || extra.signal.aborted) return pendingResult(actionId, state.phase);
      if (progressToken !== undefined) {
        progress += 1;
        await extra
          .sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress, message: `waiting for approval in Airlock (action ${actionId}, ${state.phase})` },
          })
          .catch(() => undefined);
      }
    }
  }

  function forward(authorized: Authorized): Promise<CallToolResult> {
    const { actionId } = authorized;
    const known = upstreamRuns.get(actionId);
    if (known) return known.result;
    const run = claimAndRun(authorized);
    // Later checks get the result as reported (capped), not a large upstream result kept whole.
    upstreamRuns.set(actionId, { result: run.then((result) => withAction(capped(result), actionId)), expiresAt: reportDeadline(authorized), pending: 0 });
    track(actionId, run);
    for (const [oldest, remembered] of upstreamRuns) {
      if (upstreamRuns.size <= maxRememberedRuns) break;
      if (remembered.pending > 0) continue;
      log(`action ${oldest}: its upstream run is no longer remembered here (over ${maxRememberedRuns} runs without an accepted report)`);
      upstreamRuns.delete(oldest);
    }
    return run;
  }

  /**
   * Claims the run in Airlock before the upstream runs: a run another process claimed first (a gateway that
   * crashed mid-run, or whose report never landed) is not run here; the model is told it was started elsewhere,
   * and the run is not remembered (a later check reads Airlock, which shows the result once reported). The tool is
   * looked up first: an action whose upstream is down, or that no upstream here offers (another runner's), is left
   * unclaimed and authorized, for a later check or its own runner.
   */
  async function claimAndRun(authorized: Authorized): Promise<CallToolResult> {
    const { actionId, authorizationId, tool: name } = authorized;
    let refusal: string;
    const tool = await upstreamTool(authorized);
    if (typeof tool === 'string') refusal = tool;
    else {
      try {
        // A retry after a claim whose answer never came claims as that claim's runner (UnansweredClaims).
        const start = await unansweredClaims.start(api, actionId, name, authorizationId);
        if (start.run) return await runUpstream(authorized, tool);
        refusal = start.text;
      } catch (error) {
        refusal = `${name} was not run: Airlock could not record that it starts (${error instanceof Error ? error.message : String(error)}); call ${CHECK_TOOL} with the actionId to try again`;
      }
    }
    // Set by forward before the claim's first await: a run that did not start here is not this process's to answer.
    upstreamRuns.delete(actionId);
    return withAction(toolError(refusal), actionId);
  }

  /** The upstream tool of an authorized action, or why it is not run here now (nothing claimed: it stays authorized). */
  async function upstreamTool(authorized: Authorized): Promise<GatewayTool | string> {
    const { actionId, tool: name } = authorized;
    const later = `it stays authorized in Airlock until ${authorized.expiresAt}: call ${CHECK_TOOL} with {"actionId": "${actionId}"} again later`;
    try {
      const tool = await upstreams.find(name);
      return tool ?? `${name} was not run: no upstream of this gateway offers it now; ${later}`;
    } catch (error) {
      if (error instanceof UpstreamUnavailableError) return `${name} was not run: its upstream is unavailable (${error.message}); ${later}`;
      return `${name} was not run: looking up its upstream failed (${error instanceof Error ? error.message : String(error)}); ${later}`;
    }
  }

  async function runUpstream(authorized: Authorized, tool: GatewayTool): Promise<CallToolResult> {
    const { actionId, authorizationId } = authorized;
    // The authorized arguments, which may be an approver's edit of the model's.
    const args = authorized.args;
    let result: CallToolResult;
    try {
      result = await upstreams.call(tool, args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof UpstreamOutcomeUnknownError) {
        // No report: a report has no "unknown". Failed would say it ran and failed, and release its budget; left
        // unreported, its claim makes Airlock end the action at the authorization's deadline as "the tool may have
        // run and its result is unknown; the budget stays spent". Checks until then get this answer from memory.
        log(
          `action ${actionId}: ${message}; ${tool.name} may have run, so no report is sent: Airlock ends the action when its authorization runs out, as claimed and never reported`,
        );
        return withAction(
          toolError(
            `${tool.name} may have run: ${message}. Its result is unknown, and Airlock records it as such. Do not call ${tool.name} again for this before finding out whether it took effect.`,
          ),
          actionId,
        );
      }
      const why =
        error instanceof UpstreamNotCalledError
          ? ' (the call never reached the upstream: the tool did not run)'
          : error instanceof McpError
            ? ' (the upstream answered it with an error)'
            : '';
      await report(authorized, { authorizationId, args, status: 'failed', error: cutText(`upstream call failed${why}: ${message}`, MAX_REPORTED_ERROR_LENGTH) });
      return withAction(toolError(`the upstream call failed${why}: ${message}`), actionId);
    }
    const outcome = result.isError
      ? { status: 'failed' as const, error: cutText(textOf(result) || 'the upstream tool reported an error', MAX_REPORTED_ERROR_LENGTH) }
      : { status: 'succeeded' as const, output: capped(result) };
    await report(authorized, { authorizationId, args, ...outcome });
    return withAction(result, actionId);
  }

  /**
   * Reports the run; the run stays remembered (so it is never repeated) until Airlock accepts a report.
   * A blip is retried, in the background once the answer has to go back; a report Airlock refuses
   * becomes a failed report saying so, which closes the action (the upstream ran: it must not run again).
   */
  async function report(authorized: Authorized, body: AgentRunReport): Promise<void> {
    const { actionId } = authorized;
    const until = reportDeadline(authorized);
    const delivered = await deliver(actionId, body, Math.min(until, Date.now() + inlineReportRetryMs));
    if (delivered === 'unreachable' && Date.now() < until) {
      // Tracked: closing the gateway waits for it (settleReports).
      track(
        actionId,
        deliver(actionId, body, until).then((late) => afterDelivery(authorized, body, late, false)),
      );
      return;
    }
    await afterDelivery(authorized, body, delivered, false);
  }

  async function afterDelivery(authorized: Authorized, body: AgentRunReport, delivered: Delivery, fallback: boolean): Promise<void> {
    const { actionId } = authorized;
    if (delivered === 'accepted') {
      upstreamRuns.delete(actionId);
      return;
    }
    if (delivered === 'unreachable') {
      log(`action ${actionId}: the upstream ran, but no report reached Airlock before its authorization ran out; this gateway still answers checks of it`);
      return;
    }
    if (fallback) {
      log(`action ${actionId}: Airlock refused the report of its upstream run too (${delivered.refused}); this gateway still answers checks of it`);
      return;
    }
    log(`action ${actionId}: Airlock refused the report of its upstream run (${delivered.refused}); reporting it as failed`);
    const refused: AgentRunReport = {
      authorizationId: body.authorizationId,
      args: body.args,
      status: 'failed',
      error: cutText(`the upstream tool ran, but Airlock refused the report of its result: ${delivered.refused}`, MAX_REPORTED_ERROR_LENGTH),
    };
    await afterDelivery(authorized, refused, await deliver(actionId, refused, Math.min(reportDeadline(authorized), Date.now() + inlineReportRetryMs)), true);
  }

  function reportDeadline(authorized: Authorized): number {
    const expiresAt = Date.parse(authorized.expiresAt);
    return Number.isFinite(expiresAt) ? expiresAt : Date.now() + settings.reportWithinMs;
  }

  async function deliver(actionId: string, body: AgentRunReport, until: number): Promise<Delivery> {
    let retryMs = 250;
    for (;;) {
      try {
        await api.report(actionId, body);
        return 'accepted';
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!isTransient(error)) return { refused: message };
        if (Date.now() + retryMs >= until) return 'unreachable';
        log(`action ${actionId}: the report to Airlock failed (${message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(retryMs * 2, 5_000);
      }
    }
  }

  return server;
}

type Delivery = 'accepted' | 'unreachable' | { refused: string };

/**
 * A JSON-RPC error for the client: the SDK answers with a thrown error's `code` and `message`. Not an
 * McpError, whose message already reads "MCP error <code>: …" and would get that prefix twice.
 */
class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** An outcome recorded earlier (a check after the call closed, or a denial). */
function fromOutcome(outcome: ActionOutcome): CallToolResult {
  switch (outcome.status) {
    case 'executed': {
      const stored = CallToolResultSchema.safeParse(outcome.output);
      return withAction(stored.success ? stored.data : { content: [{ type: 'text', text: JSON.stringify(outcome.output) }] }, outcome.actionId);
    }
    case 'denied': {
      return withAction(toolError(denialText(outcome)), outcome.actionId);
    }
    case 'failed':
      return withAction(toolError(`the tool failed: ${outcome.error}`), outcome.actionId);
    case 'expired':
      return withAction(toolError(`the call expired in Airlock: ${outcome.reason}`), outcome.actionId);
    case 'cancelled':
      return withAction(toolError(`the call was cancelled in Airlock: ${outcome.reason}`), outcome.actionId);
  }
}

function pendingResult(actionId: string, phase: string): CallToolResult {
  return withAction(
    {
      content: [
        {
          type: 'text',
          text:
            `This call is waiting for a person's approval in Airlock (action ${actionId}, ${phase}). It has not run yet. ` +
            `Do not call it again: call ${CHECK_TOOL} with {"actionId": "${actionId}"} later to get its result.`,
        },
      ],
      structuredContent: { status: 'pending', actionId, phase },
    },
    actionId,
  );
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

function withAction(result: CallToolResult, actionId: string): CallToolResult {
  return { ...result, _meta: { ...result._meta, [ACTION_META]: actionId } };
}

function textOf(result: CallToolResult): string {
  return result.content
    .filter((part) => part.type === 'text')
    .map((part) => (part as { text: string }).text)
    .join('\n');
}

/** The result without its `_meta`, or past MAX_REPORTED_OUTPUT_BYTES a note of its size instead. */
function capped(result: CallToolResult): CallToolResult {
  const { _meta: _ignored, ...rest } = result;
  const bytes = Buffer.byteLength(JSON.stringify(rest));
  return bytes <= MAX_REPORTED_OUTPUT_BYTES
    ? rest
    : { ...(rest.isError ? { isError: true } : {}), content: [{ type: 'text', text: `(the upstream result was ${bytes} bytes; too large to keep in Airlock)` }] };
}
