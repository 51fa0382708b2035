import { NON_FINITE_REFUSED } from '@airlock/core/json-limits';
import { ActionRequest, InvalidRequestError, canonicalJson, denialText, formatZodError, type ActionOutcome, type ActionRequestInput } from '@airlock/core/portable';
import { AuthorizationStateAnswer, ReportAnswer, SubmittedAnswer, type AuthorizationState } from './answers.js';
import { refuseUnknownFields } from './fields.js';
import { agentHeaders, type RestTransport } from './rest-transport.js';

export type { AuthorizationState } from './answers.js';

/**
 * A gate-only action: Airlock decides, the agent runs the tool itself and reports. The key decides
 * the agent, as with `start`: `agentId` may be left out, and given, the server refuses it (403)
 * unless it is the key's agent.
 */
export type AuthorizationRequest = Omit<ActionRequestInput, 'agentId' | 'execution'> & { agentId?: string };

// Strict, like the server's body: a field the SDK does not know (`reasn`) is refused before sending, not dropped.
const AuthorizationRequestSchema = ActionRequest.omit({ execution: true }).extend({ agentId: ActionRequest.shape.agentId.optional() }).strict();
const REPORT_FIELDS = { succeeded: ['authorizationId', 'args', 'status', 'output'], failed: ['authorizationId', 'args', 'status', 'error'] } as const;

export interface SubmittedAuthorization {
  actionId: string;
  /** False when the idempotency key matched an earlier request: the same action, decided once. */
  created: boolean;
}

export type AgentRunReport =
  | { authorizationId: string; args: Record<string, unknown>; status: 'succeeded'; output?: unknown }
  | { authorizationId: string; args: Record<string, unknown>; status: 'failed'; error: string };

/** Asks Airlock to decide an action the agent runs itself (POST /api/v1/authorizations). */
export async function submitAuthorization(transport: RestTransport, request: AuthorizationRequest): Promise<SubmittedAuthorization> {
  const parsed = AuthorizationRequestSchema.safeParse(request);
  if (!parsed.success) throw new InvalidRequestError(formatZodError(parsed.error));
  const { agentId, ...body } = parsed.data;
  const { body: submitted } = await transport.call('POST', '/api/v1/authorizations', SubmittedAnswer, { body, headers: agentHeaders(agentId) });
  return { actionId: submitted.actionId, created: submitted.created };
}

/**
 * GET /api/v1/actions/:id/authorization, long-polling up to `waitMs` (0..30000); `agentId`, given, is
 * checked against the key; `signal` ends the wait (the call rejects with the signal's reason).
 */
export async function readAuthorization(
  transport: RestTransport,
  actionId: string,
  waitMs: number,
  options: { agentId?: string | undefined; signal?: AbortSignal | undefined } = {},
): Promise<AuthorizationState> {
  return (await pollAuthorization(transport, actionId, waitMs, options)).body;
}

/** `readAuthorization` with the answer's `Retry-After`, for a wait that polls again while pending. */
export function pollAuthorization(
  transport: RestTransport,
  actionId: string,
  waitMs: number,
  options: { agentId?: string | undefined; signal?: AbortSignal | undefined } = {},
): Promise<{ body: AuthorizationState; retryAfterSeconds: number | undefined }> {
  const wait = Math.min(Math.max(Math.round(waitMs), 0), 30_000);
  return transport.call('GET', `/api/v1/actions/${encodeURIComponent(actionId)}/authorization?waitMs=${wait}`, AuthorizationStateAnswer, {
    headers: agentHeaders(options.agentId),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** POST /api/v1/actions/:id/report: the same report twice returns the same outcome. */
export async function sendReport(transport: RestTransport, actionId: string, report: AgentRunReport): Promise<ActionOutcome> {
  // The server refuses unknown fields too; checked here so a typo (`outpt`) fails before anything is recorded.
  refuseUnknownFields(report, report.status === 'failed' ? REPORT_FIELDS.failed : REPORT_FIELDS.succeeded, 'report');
  const unsendable = report.status === 'succeeded' ? unsendableJson(report.output, 'output') : undefined;
  if (unsendable) throw new InvalidRequestError(unsendable);
  const { body } = await transport.call('POST', `/api/v1/actions/${encodeURIComponent(actionId)}/report`, ReportAnswer, { body: report });
  return body;
}

/**
 * Where `value` would not reach the server as the JSON it says, as `path: why`, or undefined: JSON.stringify
 * writes NaN and Infinity as null (the record would say what the tool never returned), and throws on a BigInt or
 * a cycle (which would read as Airlock unreachable). The Python client refuses the same.
 */
export function unsendableJson(value: unknown, path: string, within: ReadonlySet<object> = new Set()): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path}: ${NON_FINITE_REFUSED}`;
  if (typeof value === 'bigint') return `${path}: must be JSON (an object, array, string, number, boolean or null), got a BigInt`;
  if (typeof value !== 'object' || value === null) return undefined;
  const written: unknown = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value;
  if (written !== value) return unsendableJson(written, path, within);
  if (within.has(value)) return `${path}: must be JSON: it contains itself`;
  const inside = new Set(within).add(value);
  for (const [key, member] of Object.entries(value)) {
    const problem = unsendableJson(member, `${path}.${key}`, inside);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Why a gate-only action did not run, written for the model: the reason, and for
 * a denial who denied it and their feedback (which says what to do instead).
 */
export function refusalText(state: Exclude<AuthorizationState, { status: 'authorized' | 'pending' | 'executed' }>): string {
  switch (state.status) {
    case 'denied':
      return denialText(state);
    case 'failed':
      // It ran (now, or under the same key before: never twice) and failed; not a refusal before running.
      return `it ran and failed: ${state.error}`;
    case 'expired':
    case 'cancelled':
      return `${state.status}: ${state.reason}`;
  }
}

/**
 * What the model must be told when an approver edited its arguments: it asked for one thing and
 * another ran (`amount: "125.00" → "100.00"`). Undefined when it ran exactly as asked.
 */
export function editedArgsText(asked: Record<string, unknown>, authorized: Record<string, unknown>): string | undefined {
  const fields = [...new Set([...Object.keys(asked), ...Object.keys(authorized)])];
  const shown = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));
  const changed = fields.filter((field) => field in asked !== field in authorized || canonicalJson(asked[field] ?? null) !== canonicalJson(authorized[field] ?? null));
  if (changed.length === 0) return undefined;
  return `An approver in Airlock changed the arguments before it ran: ${changed.map((field) => `${field} ${shown(asked[field])} → ${shown(authorized[field])}`).join(', ')}.`;
}
