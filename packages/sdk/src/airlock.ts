import { ActionRequest, InvalidRequestError, formatZodError, type ActionOutcome } from '@airlock/core/portable';
import { ActionStatusAnswer, AgentSelfAnswer, CancelAnswer, OutcomeAnswer, SubmittedAnswer, refuseOtherAction, type AgentSelf } from './answers.js';
import {
  pollAuthorization,
  readAuthorization,
  sendClaim,
  sendReport,
  submitAuthorization,
  type AgentRunReport,
  type AuthorizationRequest,
  type AuthorizationState,
  type RunClaim,
  type RunClaimed,
  type SubmittedAuthorization,
} from './gate.js';
import { ActionClient, planAction, toolCallOptionsError } from './client-base.js';
import { refuseUnknownFields, unknownFieldsError } from './fields.js';
import type { ActionHandle, AgentActionRequest, AgentPlanRequest, AirlockClient, ToolFunction } from './handle.js';
import { RestTransport, agentHeaders, isTransient } from './rest-transport.js';

export interface ConnectOptions {
  /** The console's base URL, e.g. `http://localhost:3000`. */
  url: string;
  /** The agent's API key (`alk_…`): it decides which agent acts; nothing else is needed. */
  apiKey: string;
  /**
   * How long each long poll of a wait (`result()`, `run()`, `awaitAuthorization()`) waits on the server
   * (default 20 s, at most 30 s). 0 asks without waiting, but a pending answer's next poll still goes no
   * sooner than the server's `Retry-After` (at least 1 s) after the last: never a busy loop.
   */
  pollWaitMs?: number;
  /** Another fetch (proxy, tests); default the global one. */
  fetch?: typeof fetch;
}

export type { AgentSelf } from './answers.js';

/** Options of `checkAuthorization`. */
export interface CheckAuthorizationOptions {
  /**
   * How long in all to wait for the action to reach a person or a decision (default 60 s): past it,
   * still in an earlier phase (classifying with no worker up, say), `AuthorizationTimeoutError`.
   */
  timeoutMs?: number;
  /** The agent the caller means; the server refuses it (403) unless it is the key's agent. */
  agentId?: string;
}

/** Options of `authorization` and `awaitAuthorization`. */
export interface AuthorizationReadOptions {
  /** The agent the caller means; the server refuses it (403) unless it is the key's agent. */
  agentId?: string;
  /**
   * Ends the wait early (the caller went away, a request was cancelled): the read rejects with the
   * signal's reason (an `AbortError`), and `awaitAuthorization` stops asking. The action goes on.
   */
  signal?: AbortSignal;
}

/**
 * `checkAuthorization` ran out of `timeoutMs` before the action reached a person or a decision:
 * it is still in `phase` (a worker down or overloaded keeps it `classifying`), or `phase` is
 * `unknown` when no answer said (the server answered 503 each time: no worker took the status
 * query; `cause` is the last such error). The action itself goes on; asking again with the same
 * idempotency key finds it.
 */
export class AuthorizationTimeoutError extends Error {
  override name = 'AuthorizationTimeoutError';
  constructor(
    readonly actionId: string,
    readonly phase: string,
    readonly timeoutMs: number,
    options?: { cause: unknown },
  ) {
    super(
      phase === UNKNOWN_PHASE
        ? `action ${actionId}: no answer said where it stands after ${timeoutMs} ms (${causeText(options?.cause)}), before any person was asked: is an Airlock worker running?`
        : `action ${actionId} is still ${phase} after ${timeoutMs} ms, before any person was asked: is an Airlock worker running?`,
      options,
    );
  }
}

/** AuthorizationTimeoutError's phase when every read failed: no answer named one. */
const UNKNOWN_PHASE = 'unknown';

function causeText(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'no answer';
}

const CONNECT_OPTIONS = ['url', 'apiKey', 'pollWaitMs', 'fetch'];
const CHECK_AUTHORIZATION_OPTIONS = ['timeoutMs', 'agentId'];
const READ_AUTHORIZATION_OPTIONS = ['agentId', 'signal'];
/** `checkAuthorization`'s overall deadline when the caller sets none. */
export const DEFAULT_CHECK_AUTHORIZATION_TIMEOUT_MS = 60_000;
// The request as both clients check it, but the key decides the agent: `agentId` optional. Strict, like
// the server: a field the SDK does not know (`reasn`, or `execution`, which belongs to `authorize`) is refused, not dropped.
const AgentActionRequestSchema = ActionRequest.omit({ execution: true, reportWithinMs: true }).extend({ agentId: ActionRequest.shape.agentId.optional() }).strict();
const MAX_RETRY_DELAY_MS = 5_000;
/**
 * A pending answer's next poll goes no sooner than this after the last one was sent, or the server's
 * `Retry-After` if longer (at most MAX_POLL_INTERVAL_MS): with `pollWaitMs: 0`, or a console that answers
 * early, waits ask once a second, never in a busy loop; a long poll that held that long is asked again at
 * once. The Python client's is the same.
 */
const MIN_POLL_INTERVAL_MS = 1_000;
const MAX_POLL_INTERVAL_MS = 30_000;

/** Waits until a wait's next poll may go (MIN_POLL_INTERVAL_MS); ends early with the signal's reason when it aborts. */
function pauseAfterPending(sentAt: number, retryAfterSeconds: number | undefined, signal?: AbortSignal): Promise<void> {
  const interval = Math.min(Math.max((retryAfterSeconds ?? 0) * 1000, MIN_POLL_INTERVAL_MS), MAX_POLL_INTERVAL_MS);
  const ms = sentAt + interval - Date.now();
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Not left to fetch: its TypeError would read as Airlock unreachable, and be asked again forever. */
function signalError(signal: unknown): InvalidRequestError | undefined {
  return signal !== undefined && !(signal instanceof AbortSignal) ? new InvalidRequestError(`options.signal: must be an AbortSignal, got ${typeof signal}`) : undefined;
}

/**
 * The agent-side client over the REST API, authenticated by the agent's key: no
 * Temporal credentials, no payload keys. The same gate as every other channel:
 * validated, idempotent by key, durable. Trusted in-cluster services may talk to
 * Temporal directly instead (`@airlock/sdk/temporal`).
 */
export class Airlock extends ActionClient<AgentActionRequest> implements AirlockClient {
  private readonly pollWaitMs: number;

  private constructor(
    private readonly transport: RestTransport,
    options: ConnectOptions,
  ) {
    super();
    // Whole milliseconds: the server takes an integer waitMs (2500.5 would make every wait a 400).
    this.pollWaitMs = Math.round(Math.min(Math.max(options.pollWaitMs ?? 20_000, 0), 30_000));
  }

  /** Opens nothing yet (HTTP is per call); async so both clients connect alike. */
  static connect(options: ConnectOptions): Promise<Airlock> {
    const unknown = unknownFieldsError(options, CONNECT_OPTIONS, 'options');
    if (unknown) return Promise.reject(unknown);
    if (options.pollWaitMs !== undefined && !Number.isFinite(options.pollWaitMs)) {
      return Promise.reject(new InvalidRequestError(`options.pollWaitMs: must be a number of milliseconds, got ${JSON.stringify(options.pollWaitMs)}`));
    }
    if (!/^https?:\/\//.test(options.url)) return Promise.reject(new InvalidRequestError(`url: must be an http(s) URL, got "${options.url}"`));
    if (!options.apiKey) return Promise.reject(new InvalidRequestError('apiKey: the agent API key is required'));
    const transport = new RestTransport({ url: options.url, apiKey: options.apiKey, fetch: options.fetch ?? globalThis.fetch.bind(globalThis) });
    return Promise.resolve(new Airlock(transport, options));
  }

  /**
   * Submits without waiting; the handle survives process restarts via `action(actionId)`.
   * The key decides the agent: `agentId` may be left out, and given, it must be the key's.
   */
  async start(request: AgentActionRequest): Promise<ActionHandle> {
    // Checked here too, so bad input fails alike in both modes and before any network call.
    const parsed = AgentActionRequestSchema.safeParse(request);
    if (!parsed.success) throw new InvalidRequestError(formatZodError(parsed.error));
    const { agentId, ...body } = parsed.data;
    const { body: submitted } = await this.transport.call('POST', '/api/v1/actions', SubmittedAnswer, { body, headers: agentHeaders(agentId) });
    return { ...this.action(submitted.actionId), created: submitted.created };
  }

  /**
   * Submits a multi-step plan: approvers see every step and its rollback, one
   * approval covers it, and a failing step rolls back the completed ones in reverse.
   */
  async runPlan(request: AgentPlanRequest): Promise<ActionOutcome> {
    const { steps, ...rest } = request;
    return this.run({ ...rest, ...planAction(steps) });
  }

  /**
   * A typed wrapper for one tool, for handing to an agent framework:
   * `const refund = airlock.tool<RefundArgs>('payments.refund')` acts as the key's agent.
   * The older form `airlock.tool(agentId, 'payments.refund')` still works; the id must be the key's.
   */
  tool<Args extends Record<string, unknown>>(tool: string): ToolFunction<Args>;
  tool<Args extends Record<string, unknown>>(agentId: string, tool: string): ToolFunction<Args>;
  tool<Args extends Record<string, unknown>>(first: string, second?: string): ToolFunction<Args> {
    const target = second === undefined ? { tool: first } : { agentId: first, tool: second };
    return (args, options) => {
      const invalid = toolCallOptionsError(options);
      return invalid ? Promise.reject(invalid) : this.run({ ...target, args, ...options });
    };
  }

  action(actionId: string): ActionHandle {
    const path = `/api/v1/actions/${encodeURIComponent(actionId)}`;
    return {
      actionId,
      created: false,
      status: async () => (await this.transport.call('GET', `${path}/status`, ActionStatusAnswer)).body,
      result: () => this.awaitOutcome(actionId),
      cancel: async () => {
        await this.transport.call('POST', `${path}/cancel`, CancelAnswer);
      },
    };
  }

  /**
   * A gate-only action: Airlock decides (policy, budgets, approvals, audit) and the
   * agent runs the tool itself, then reports. Idempotent by key: asking again
   * returns the same action. Agent frameworks' approval hooks build on this.
   * `agentId` may be left out (the key decides); given, it must be the key's agent (else 403).
   */
  authorize(request: AuthorizationRequest): Promise<SubmittedAuthorization> {
    return submitAuthorization(this.transport, request);
  }

  /** Where a gate-only action stands, waiting up to `waitMs` for a decision: authorized, pending, or its outcome. */
  authorization(actionId: string, waitMs = 0, options: AuthorizationReadOptions = {}): Promise<AuthorizationState> {
    const invalid = unknownFieldsError(options, READ_AUTHORIZATION_OPTIONS, 'options') ?? signalError(options.signal);
    if (invalid) return Promise.reject(invalid);
    return readAuthorization(this.transport, actionId, waitMs, options);
  }

  /**
   * What an approval hook needs: waits through classification (no person is
   * involved yet), then up to `waitMs` for a person. Answers authorized, the
   * outcome, or pending in phase `awaiting_approval`: never pending for a call
   * the policy would allow on its own, however slow the server is. Still before
   * a person after `timeoutMs` in all (default 60 s): `AuthorizationTimeoutError`.
   * A transient failure (503 when no worker answers, a console restarting) is asked
   * again until then, not thrown.
   */
  async checkAuthorization(actionId: string, waitMs: number, options: CheckAuthorizationOptions = {}): Promise<AuthorizationState> {
    refuseUnknownFields(options, CHECK_AUTHORIZATION_OPTIONS, 'options');
    const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_AUTHORIZATION_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
      throw new InvalidRequestError(`options.timeoutMs: must be a number of milliseconds ≥ 0, got ${JSON.stringify(options.timeoutMs)}`);
    const deadline = Date.now() + timeoutMs;
    const read = { ...(options.agentId === undefined ? {} : { agentId: options.agentId }) };
    // A transient failure (503: no worker answered the status query; the console restarting) is still "not yet":
    // the deadline, not the first such answer, ends the wait, naming the last phase read.
    let phase = UNKNOWN_PHASE;
    let lastFailure: unknown;
    let retryDelayMs = 100;
    for (;;) {
      let state: AuthorizationState | undefined;
      try {
        state = await this.authorization(actionId, Math.min(waitMs, Math.max(deadline - Date.now(), 0)), read);
      } catch (error) {
        if (!isTransient(error)) throw error;
        lastFailure = error;
      }
      if (state && (state.status !== 'pending' || state.phase === 'awaiting_approval')) return state;
      if (state) phase = state.phase;
      if (Date.now() >= deadline) throw new AuthorizationTimeoutError(actionId, phase, timeoutMs, lastFailure === undefined ? undefined : { cause: lastFailure });
      // Not in a busy loop: after a quick pending answer, 100 ms; after a failure, a pause that doubles.
      let pauseMs = waitMs < 100 ? 100 : 0;
      if (!state) {
        pauseMs = retryDelayMs;
        retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_DELAY_MS);
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, Math.max(deadline - Date.now(), 0))));
    }
  }

  /**
   * Waits (long polls, riding out restarts and blips) until the gate-only action is authorized or ended;
   * a pending answer's next poll goes no sooner than the server's Retry-After (at least 1 s) after the last.
   */
  async awaitAuthorization(actionId: string, options: AuthorizationReadOptions = {}): Promise<Exclude<AuthorizationState, { status: 'pending' }>> {
    refuseUnknownFields(options, READ_AUTHORIZATION_OPTIONS, 'options');
    const invalid = signalError(options.signal);
    if (invalid) throw invalid;
    let retryDelayMs = 250;
    for (;;) {
      const sentAt = Date.now();
      try {
        const { body, retryAfterSeconds } = await pollAuthorization(this.transport, actionId, this.pollWaitMs, options);
        retryDelayMs = 250;
        if (body.status !== 'pending') return body;
        await pauseAfterPending(sentAt, retryAfterSeconds, options.signal);
      } catch (error) {
        if (!isTransient(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
        retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_DELAY_MS);
      }
    }
  }

  /**
   * Claims the authorized run before starting the tool, so that no other process runs it too: `runnerId` is a random
   * id per run attempt (the same one again after a network error gets the same answer). Another runner's claim is an
   * `AirlockApiError` 409 `conflict` (do not run the tool: it may have run there, and shows in Airlock once reported);
   * an authorization no longer usable (expired, revoked, reported) a 409 `decision_rejected`.
   */
  claimRun(actionId: string, claim: RunClaim): Promise<RunClaimed> {
    return sendClaim(this.transport, actionId, claim);
  }

  /** Reports the agent's own run of an authorized action (with exactly the authorized arguments); answers with the outcome. */
  report(actionId: string, report: AgentRunReport): Promise<ActionOutcome> {
    return sendReport(this.transport, actionId, report);
  }

  /** The agent that owns the key and the tools it may request (GET /api/v1/agents/me): a cheap check of the URL and key. */
  async me(): Promise<AgentSelf> {
    return (await this.transport.call('GET', '/api/v1/agents/me', AgentSelfAnswer)).body;
  }

  /** Nothing to close over HTTP; kept so both clients are used alike. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Long-polls the outcome; waits as long as the action does, riding out console restarts and network blips,
   * and pausing after a pending answer as the server's Retry-After says (pauseAfterPending). An answer about
   * another action is refused (refuseOtherAction), not asked again.
   */
  private async awaitOutcome(actionId: string): Promise<ActionOutcome> {
    const path = `/api/v1/actions/${encodeURIComponent(actionId)}/outcome?waitMs=${this.pollWaitMs}`;
    let retryDelayMs = 250;
    for (;;) {
      const sentAt = Date.now();
      try {
        const { body, status, retryAfterSeconds } = await this.transport.call('GET', path, OutcomeAnswer);
        refuseOtherAction(body, actionId, status, path);
        retryDelayMs = 250;
        if (body.status !== 'pending') return body;
        await pauseAfterPending(sentAt, retryAfterSeconds);
      } catch (error) {
        if (!isTransient(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
        retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_DELAY_MS);
      }
    }
  }
}
