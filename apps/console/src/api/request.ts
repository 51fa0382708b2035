import { describeZodIssues, formatZodError } from '@airlock/core';
import type { z } from 'zod';
import { ApiError } from './errors.js';

/** Validates `value`, or throws a 400 naming every bad field (`args.amount: ...`). */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string, root?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError(400, 'invalid_request', `invalid ${what}: ${formatZodError(result.error, root)}`, describeZodIssues(result.error, root));
}

/** A well-formed body whose field names something that does not exist or cannot be used: a 400 naming the field. */
export function invalidField(path: string, message: string): ApiError {
  return new ApiError(400, 'invalid_request', `invalid request body: ${path}: ${message}`, [{ path, message }]);
}

/** Reads a JSON body; malformed JSON is its own 400, distinct from a well-formed body with bad fields. */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S, limits: BodyLimits = {}): Promise<z.infer<S>> {
  return parseOr400(schema, await readJsonValue(request, limits), 'request body');
}

/** A route's own bound on its body (a gate-only report's output can be larger than any request: the tool has run). */
export interface BodyLimits {
  maxBytes?: number;
}

/**
 * The largest request body read: tool arguments are capped at 256 KiB of JSON,
 * and this leaves room for the rationale, escapes and whitespace. A larger body
 * is refused with 413 before it is parsed.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** `application/json` or any `+json` type, with or without parameters (`; charset=utf-8`). */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * The parsed JSON body, unvalidated: for use cases, which validate after checking
 * the caller's role. An empty body is `{}`; a non-empty one must say it is JSON
 * (415 otherwise) and fit in MAX_BODY_BYTES (413 otherwise).
 */
export async function readJsonValue(request: Request, limits: BodyLimits = {}): Promise<unknown> {
  const text = await readBodyText(request, limits.maxBytes ?? MAX_BODY_BYTES);
  if (text.trim() === '') return {};
  const contentType = request.headers.get('content-type');
  if (contentType === null || !JSON_MEDIA_TYPE.test(contentType)) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `the request body must be JSON sent with "content-type: application/json" (got ${contentType === null ? 'no content type' : `"${contentType.slice(0, 100)}"`})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : 'unparseable';
    throw new ApiError(400, 'invalid_json', `the request body is not valid JSON (${detail})`);
  }
}

/** What a route that reads no body says of one (`issues` names each member under it). */
const NO_BODY_TAKEN = 'this endpoint takes no request body';

/** Members named in the message; `issues` names every one. */
const SHOWN_MEMBERS = 5;

/**
 * For a route that reads no body (its handler would drop one without a word: a `reason` sent to a
 * cancel reads as recorded): none, an empty body or `{}`, what clients send for "nothing", pass, whatever
 * their content type; anything else is a 400 naming what came, each member by its own path.
 */
export async function refuseBody(request: Request): Promise<void> {
  const text = await readBodyText(request, MAX_BODY_BYTES);
  if (text.trim() === '') return;
  const value = jsonOrUndefined(text);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const members = Object.keys(value);
    if (members.length === 0) return;
    const named = members.slice(0, SHOWN_MEMBERS).map((member) => JSON.stringify(member.length > 100 ? `${member.slice(0, 100)}…` : member));
    const more = members.length > SHOWN_MEMBERS ? ` and ${members.length - SHOWN_MEMBERS} more` : '';
    throw new ApiError(
      400,
      'invalid_request',
      `invalid request body: ${NO_BODY_TAKEN}; got ${members.length === 1 ? 'member' : 'members'} ${named.join(', ')}${more}`,
      members.map((path) => ({ path, message: NO_BODY_TAKEN })),
    );
  }
  throw new ApiError(400, 'invalid_request', `invalid request body: ${NO_BODY_TAKEN}; got ${kindOf(value)}`, [{ path: '(root)', message: NO_BODY_TAKEN }]);
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A body that is no object, by its kind: its text could be anything. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'a body that is not JSON';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(
    413,
    'payload_too_large',
    maxBytes === MAX_BODY_BYTES
      ? `the request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB), the most this API reads; tool arguments may be at most 256 KiB of JSON`
      : `the request body is larger than ${maxBytes} bytes (${maxBytes / 1024 / 1024} MiB), the most this route reads`,
  );
}

/** The body as text, reading no more than MAX_BODY_BYTES + 1 bytes whatever the content-length says. */
async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The query, validated. Strict, like bodies: a parameter the route does not take is a 400 naming it, not
 * dropped (a long poll's `?waitMS=20000` would otherwise answer at once, and its caller poll in a tight loop).
 */
export function readQuery<S extends z.ZodObject>(request: Request, schema: S): z.infer<S> {
  const params = queryParams(request);
  // The same shape, strict: its output is S's (TypeScript cannot see that through the generic).
  return parseOr400(schema.strict(), params, 'query') as z.infer<S>;
}

const GIVEN_TWICE = 'given more than once; each parameter is taken once';

/**
 * The query's parameters by name. One given more than once is a 400 naming it, not read as its first or last
 * value: no route takes a parameter twice, and either pick misreads the request (`?status=closed&status=open`
 * listed the open approvals, `?waitMs=0&waitMs=30000` waited 30 s).
 */
export function queryParams(request: Request): Record<string, string> {
  const params = new Map<string, string>();
  const repeated = new Set<string>();
  for (const [name, value] of new URL(request.url).searchParams) {
    if (params.has(name)) repeated.add(name);
    else params.set(name, value);
  }
  if (repeated.size > 0) {
    const names = [...repeated];
    const named = names.slice(0, SHOWN_MEMBERS).map((name) => JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name));
    const more = names.length > SHOWN_MEMBERS ? ` and ${names.length - SHOWN_MEMBERS} more` : '';
    throw new ApiError(
      400,
      'invalid_request',
      `invalid query: ${named.join(', ')}${more}: ${GIVEN_TWICE}`,
      // As describeZodIssues names an unknown parameter: one with an empty name is the query itself.
      names.map((name) => ({ path: name === '' ? '(root)' : name, message: GIVEN_TWICE })),
    );
  }
  return Object.fromEntries(params);
}
