import { IdempotencyConflictError, InvalidRequestError, formatZodError } from '@airlock/core/portable';
import type { z } from 'zod';

/**
 * A REST call failed for a reason other than bad input or an idempotency conflict; `code` is the
 * API's error code, or `unreachable` (status 0) when no answer came (refused, unknown host, reset).
 */
export class AirlockApiError extends Error {
  override name = 'AirlockApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; issues?: { path: string; message: string }[] };
}

// Sent when the caller names an agent: the server refuses it when the key belongs to another agent.
const AGENT_HEADER = 'airlock-agent-id';

/** The header naming the agent the caller means, when it names one (the key alone decides otherwise). */
export function agentHeaders(agentId: string | undefined): Record<string, string> {
  return agentId === undefined ? {} : { [AGENT_HEADER]: agentId };
}

/** Statuses worth asking again: the console restarting, a proxy, Temporal not answering. */
const TRANSIENT = new Set([502, 503, 504]);

export interface RestTransportOptions {
  url: string;
  apiKey: string;
  fetch: typeof fetch;
}

/** One JSON call to the REST API, with the API's error shape turned into the SDK's errors. */
export class RestTransport {
  private readonly base: string;

  constructor(private readonly options: RestTransportOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /**
   * One call, its answer checked against `schema` (answers.ts): a console of another version (or a
   * server that is not Airlock) fails here as `bad_response`, naming the server and the call, not
   * later where a field is missing. No call takes its answer unchecked.
   */
  async call<T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<{ status: number; body: T; retryAfterSeconds: number | undefined }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json', ...init.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.options.fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      // fetch says only "fetch failed": name the server and the reason (refused, unknown host, reset).
      if (error instanceof TypeError) throw new AirlockApiError(0, 'unreachable', `cannot reach Airlock at ${this.base} (${method} ${path}): ${networkReason(error)}`);
      throw error;
    }
    let text: string;
    try {
      text = await res.text();
    } catch (error) {
      // The connection dropped while the answer was read (undici: "terminated"): as unreachable as no answer at all.
      if (error instanceof TypeError)
        throw new AirlockApiError(0, 'unreachable', `lost the connection to Airlock at ${this.base} while reading the answer to ${method} ${path}: ${networkReason(error)}`);
      throw error;
    }
    // A server that is not Airlock's console (a wrong port, a proxy's page) is named with the call, not just its status.
    const elsewhere = (what: string) => `${this.base} answered ${method} ${path} with ${res.status} and ${what}: is ${this.base} Airlock's console?`;
    const body: unknown = text ? parseJson(text, res.status, elsewhere) : null;
    if (!res.ok) throw toError(res.status, body as ErrorBody | null, elsewhere);
    const parsed = schema.safeParse(body);
    if (parsed.success) return { status: res.status, body: parsed.data, retryAfterSeconds: retryAfterSeconds(res.headers.get('retry-after')) };
    throw new AirlockApiError(
      res.status,
      'bad_response',
      `${this.base} answered ${method} ${path} with ${res.status} and a body this client does not understand (${formatZodError(parsed.error)}): is ${this.base} Airlock's console, of a version this SDK speaks?`,
    );
  }
}

/** A `Retry-After` in seconds (the console sends `1` with a pending answer); an HTTP date or nothing is undefined. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function networkReason(error: TypeError): string {
  const cause: unknown = error.cause;
  return cause instanceof Error && cause.message ? cause.message : error.message;
}

function parseJson(text: string, status: number, elsewhere: (what: string) => string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AirlockApiError(status, 'bad_response', elsewhere('a body that is not JSON'));
  }
}

function toError(status: number, body: ErrorBody | null, elsewhere: (what: string) => string): Error {
  const code = body?.error?.code ?? 'unknown';
  const message = body?.error?.message ?? elsewhere('no Airlock error in its body');
  if (status === 400 && code === 'invalid_request') {
    const issues = body?.error?.issues;
    return new InvalidRequestError(issues?.length ? issues.map((i) => `${i.path}: ${i.message}`).join('; ') : message.replace(/^invalid request: /, ''));
  }
  if (status === 409 && code === 'idempotency_conflict') return new IdempotencyConflictError(message);
  return new AirlockApiError(status, code, message);
}

/**
 * Network failures (the transport turns them into `unreachable`, also a connection lost while the answer is read) and
 * 502/503/504: the long poll asks again instead of failing the agent's wait. Anything else, a TypeError from a bug
 * included, cannot succeed by asking again and is thrown.
 */
export function isTransient(error: unknown): boolean {
  return error instanceof AirlockApiError && (error.code === 'unreachable' || TRANSIENT.has(error.status));
}
