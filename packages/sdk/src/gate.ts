import { NON_FINITE_REFUSED } from '@airlock/core/json-limits';
import {
  OUTPUT_NOT_STORABLE,
  REPORT_BODY_MAX_BYTES,
  REPORT_OUTPUT_JSON_MAX_LENGTH,
  cutTextMarked,
  storableReportResult,
  type UnstorableOutput,
} from '@airlock/core/report-storage';
import { ActionRequest, InvalidRequestError, canonicalJson, denialText, formatZodError, type ActionOutcome, type ActionRequestInput } from '@airlock/core/portable';
import { AuthorizationStateAnswer, ReportAnswer, RunClaimAnswer, SubmittedAnswer, refuseOtherAction, type AuthorizationState, type RunClaimed } from './answers.js';
import { refuseUnknownFields } from './fields.js';
import { AirlockApiError, agentHeaders, type RestTransport } from './rest-transport.js';

export type { AuthorizationState, RunClaimed } from './answers.js';

/**
 * A gate-only action: Airlock decides, the agent runs the tool itself and reports. The key decides
 * the agent, as with `start`: `agentId` may be left out, and given, the server refuses it (403)
 * unless it is the key's agent.
 */
export type AuthorizationRequest = Omit<ActionRequestInput, 'agentId' | 'execution'> & { agentId?: string };

// Strict, like the server's body: a field the SDK does not know (`reasn`) is refused before sending, not dropped.
const AuthorizationRequestSchema = ActionRequest.omit({ execution: true }).extend({ agentId: ActionRequest.shape.agentId.optional() }).strict();
const CLAIM_FIELDS = ['authorizationId', 'runnerId'];
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
export async function pollAuthorization(
  transport: RestTransport,
  actionId: string,
  waitMs: number,
  options: { agentId?: string | undefined; signal?: AbortSignal | undefined } = {},
): Promise<{ body: AuthorizationState; retryAfterSeconds: number | undefined }> {
  const wait = Math.min(Math.max(Math.round(waitMs), 0), 30_000);
  const path = `/api/v1/actions/${encodeURIComponent(actionId)}/authorization?waitMs=${wait}`;
  const answer = await transport.call('GET', path, AuthorizationStateAnswer, {
    headers: agentHeaders(options.agentId),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  refuseOtherAction(answer.body, actionId, answer.status, path);
  return answer;
}

/**
 * POST /api/v1/actions/:id/report: the same report twice returns the same outcome. Refused before sending only
 * for its structure (an unknown field); never for what the output holds (reportedOutput).
 */
export async function sendReport(transport: RestTransport, actionId: string, report: AgentRunReport): Promise<ActionOutcome> {
  // The server refuses unknown fields too; checked here so a typo (`outpt`) fails before anything is recorded.
  refuseUnknownFields(report, report.status === 'failed' ? REPORT_FIELDS.failed : REPORT_FIELDS.succeeded, 'report');
  const body = report.status === 'failed' ? { ...report, error: reportedError(report.error) } : 'output' in report ? { ...report, output: reportedOutput(report.output) } : report;
  const path = `/api/v1/actions/${encodeURIComponent(actionId)}/report`;
  const { body: outcome, status } = await transport.call('POST', path, ReportAnswer, { body });
  refuseOtherAction(outcome, actionId, status, path, 'POST');
  return outcome;
}

/** A runner's claim of an authorized run: `runnerId` is random per run attempt (claimRun). */
export interface RunClaim {
  authorizationId: string;
  runnerId: string;
}

/**
 * POST /api/v1/actions/:id/claim: claims the authorized run before the tool starts. The same runner again gets the
 * same answer; another runner's claim is a 409 `conflict` (AirlockApiError), the authorization no longer usable a 409
 * `decision_rejected`.
 */
export async function sendClaim(transport: RestTransport, actionId: string, claim: RunClaim): Promise<RunClaimed> {
  refuseUnknownFields(claim, CLAIM_FIELDS, 'claim');
  const path = `/api/v1/actions/${encodeURIComponent(actionId)}/claim`;
  const { body, status } = await transport.call('POST', path, RunClaimAnswer, { body: { authorizationId: claim.authorizationId, runnerId: claim.runnerId } });
  refuseOtherAction(body, actionId, status, path, 'POST');
  // A claim for another authorization or runner is not this runner's: running on it could run the tool twice.
  if (body.authorizationId !== claim.authorizationId || body.runnerId !== claim.runnerId) {
    throw new AirlockApiError(
      status,
      'bad_response',
      `POST ${path} answered with the claim of authorization ${JSON.stringify(body.authorizationId)} by runner ${JSON.stringify(body.runnerId)}, not this one's: do not run the tool on it`,
    );
  }
  return body;
}

/** The most characters of an unsendable output's problem kept: the server's own bound on it. */
const PROBLEM_MAX_LENGTH = 1_000;

/**
 * What a succeeded report sends as its output. The tool has run, so the report must go whatever the output
 * holds: refused, the action would stay authorized until it expired as unused (its budget released) and the
 * agent would run the tool again. An output JSON carries as it is goes as it is (the server applies its storage
 * limits itself and records what it changed). One JSON would change or cannot carry (NaN or Infinity, which
 * JSON.stringify writes as null; a BigInt or a cycle, on which it throws; a toJSON or getter that throws) goes in
 * the server's storable form: `{ airlock: 'output not storable as sent', problem: 'output.took: must be a finite
 * number', json: '<its JSON text, cut and marked>' }` (storableReportResult, the server's rule), which the server
 * stores as it arrives; so does an output whose JSON would not fit in a report's body (the server would refuse the
 * report with 413). Never throws.
 */
export function reportedOutput(output: unknown): unknown {
  const problem = unsendableProblem(output) ?? tooLargeToSend(output);
  if (problem === undefined) return output;
  const stored: UnstorableOutput = { airlock: OUTPUT_NOT_STORABLE, problem: cutTextMarked(problem, PROBLEM_MAX_LENGTH).text, json: storedJsonText(output) };
  return stored;
}

/**
 * The most bytes of JSON an output is sent as: the report's body holds at most REPORT_BODY_MAX_BYTES, and the
 * authorized arguments beside it may take up to about 1 MiB (a request body's bound).
 */
const MAX_SENT_OUTPUT_BYTES = REPORT_BODY_MAX_BYTES - 2 * 1024 * 1024;

/**
 * Why an output that JSON carries would not reach the server (a body past its bound is refused with 413, the tool's
 * run never recorded), or undefined. Called once unsendableProblem found nothing, so JSON.stringify does not throw.
 */
function tooLargeToSend(output: unknown): string | undefined {
  const text = JSON.stringify(output) ?? 'null';
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: most outputs are answered without encoding them.
  if (text.length * 3 <= MAX_SENT_OUTPUT_BYTES) return undefined;
  const bytes = new TextEncoder().encode(text).length;
  return bytes > MAX_SENT_OUTPUT_BYTES ? `output: JSON of ${bytes} bytes, more than a report carries (${MAX_SENT_OUTPUT_BYTES})` : undefined;
}

/**
 * What a failed report sends as its error: the whole message (the server keeps 4,000 characters and records the
 * cut), except one whose UTF-8 would not fit in the report's body: its first MAX_SENT_OUTPUT_BYTES, cut on a
 * code-point boundary and marked, as the Python client does. Refused with 413, the run would never be recorded.
 */
export function reportedError(error: string): string {
  if (error.length * 3 <= MAX_SENT_OUTPUT_BYTES) return error;
  const bytes = new TextEncoder().encode(error);
  if (bytes.length <= MAX_SENT_OUTPUT_BYTES) return error;
  let end = MAX_SENT_OUTPUT_BYTES;
  // Back to the first byte of a UTF-8 sequence: continuation bytes are 10xxxxxx.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  const kept = new TextDecoder().decode(bytes.subarray(0, end));
  return `${kept} … [cut by the Airlock client: ${error.length - kept.length} of ${error.length} characters]`;
}

/** unsendableJson on a report's output, where a toJSON or getter that throws (or a nesting too deep to walk) is a problem too. */
function unsendableProblem(output: unknown): string | undefined {
  try {
    return unsendableJson(output, 'output');
  } catch (error) {
    return `output: must be JSON: writing it threw ${error instanceof Error ? `${error.name}: ${error.message}` : typeof error}`;
  }
}

/** The output's JSON text as the server writes an unstorable one (storableReportResult: a cycle as "[cycle]", a BigInt as its digits), cut and marked. */
function storedJsonText(output: unknown): string {
  try {
    const { result } = storableReportResult({ status: 'succeeded', output });
    if (result.status === 'succeeded' && result.output !== output) return (result.output as UnstorableOutput).json;
  } catch {
    // A getter that throws: storableReportResult reads every member.
  }
  // Within the server's limits yet unsendable (a toJSON that throws or writes NaN): what can be said of it.
  let described: string;
  try {
    described = JSON.stringify(String(output));
  } catch {
    described = JSON.stringify(`[${typeof output}]`);
  }
  return cutTextMarked(described, REPORT_OUTPUT_JSON_MAX_LENGTH).text;
}

/**
 * Where `value` would not reach the server as the JSON it says, as `path: why`, or undefined: JSON.stringify
 * writes NaN and Infinity as null (the record would say what the tool never returned), and throws on a BigInt or
 * a cycle. For a new request's values this is a refusal; for a report's output, the storable form (reportedOutput).
 * The Python client says the same. Throws what a toJSON or getter of `value` throws.
 */
export function unsendableJson(value: unknown, path: string, within: Set<object> = new Set()): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path}: ${NON_FINITE_REFUSED}`;
  if (typeof value === 'bigint') return `${path}: must be JSON (an object, array, string, number, boolean or null), got a BigInt`;
  if (typeof value !== 'object' || value === null) return undefined;
  const written: unknown = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value;
  if (written !== value) return unsendableJson(written, path, within);
  if (within.has(value)) return `${path}: must be JSON: it contains itself`;
  within.add(value);
  try {
    for (const [key, member] of Object.entries(value)) {
      const problem = unsendableJson(member, `${path}.${key}`, within);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    within.delete(value);
  }
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
