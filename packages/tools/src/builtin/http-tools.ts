import { HttpMethod, MoneyAmount } from '@airlock/core';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../define.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { HttpConfig, ToolRefusedError } from './config.js';
import { httpCall, type HostResolver, type HttpResponseOutput } from './http.js';

// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

const ToolName = z
  .string()
  .max(128)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'a dotted lower-case name with a namespace, e.g. crm.create_ticket');
const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name');
/** `{args.path}` or `{response.path}` placeholders, URL-encoded where they appear in a URL. */
const PLACEHOLDER = /\{(args|response)((?:\.[A-Za-z0-9_-]+)+)\}/g;
const ARG_REF = /^args((?:\.[A-Za-z0-9_-]+)+)$/;

/** A header value: a literal, or read from the worker's environment at start-up (secrets stay out of the file). */
const HeaderValue = z.union([
  z.string().max(8192),
  z
    .object({
      env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
      /** Put before the variable's value, e.g. "Bearer ". */
      prefix: z.string().max(256).default(''),
    })
    .strict(),
]);

const UrlTemplate = z
  .string()
  .max(4096)
  .refine((u) => {
    const parsed = URL.parse(u.replace(PLACEHOLDER, 'x'));
    return parsed !== null && (parsed.protocol === 'https:' || parsed.protocol === 'http:') && !u.slice(0, u.indexOf('/', 8) === -1 ? u.length : u.indexOf('/', 8)).includes('{');
  }, 'an http(s) URL; {args.x} placeholders only in its path and query, never in the host');

const Request = z
  .object({
    method: HttpMethod,
    url: UrlTemplate,
    headers: z.record(HeaderName, HeaderValue).default({}),
    /** `args`: the arguments as a JSON body (default for POST, PUT, PATCH); `none`: no body. */
    body: z.enum(['args', 'none']).optional(),
  })
  .strict();

/** A money amount or currency: a literal, or `args.<path>` naming an argument. */
const CostPart = z.string().min(1).max(200);

export const HttpToolDeclaration = z
  .object({
    name: ToolName,
    description: z.string().max(2000).default('An HTTP call declared in the tools configuration.'),
    ...Request.shape,
    /** JSON Schema (draft-07) for the arguments, checked with ajv; must describe an object. */
    args: z.record(z.string(), z.unknown()),
    timeoutMs: z.number().int().min(1).max(120_000).default(10_000),
    /** For an internal service trusted by name: its private addresses may be dialled. Loopback included. */
    allowPrivateAddresses: z.boolean().default(false),
    /** What a call is expected to cost, for budgets: each a literal or `args.<path>`. */
    cost: z.object({ amount: CostPart, currency: CostPart }).strict().optional(),
    /**
     * The call that undoes a completed one, when a later step of a plan fails; its URL may
     * use `{response.<path>}` from the first call's JSON response (e.g. the created id).
     */
    compensation: Request.optional(),
  })
  .strict();
export type HttpToolDeclaration = z.infer<typeof HttpToolDeclaration>;
export type HttpToolDeclarationInput = z.input<typeof HttpToolDeclaration>;

export interface HttpToolOutput {
  status: number;
  /** Parsed when the response is JSON, else the text (or base64). */
  body: unknown;
  url: string;
  truncated: boolean;
}

type Env = Record<string, string | undefined>;

function lookup(root: unknown, path: string): unknown {
  let current = root;
  for (const key of path.split('.').filter(Boolean)) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * A URL template with its placeholders filled, each value URL-encoded. In the path a value fills one segment, never
 * more: `.` and `..` (encoding leaves dots alone) would be taken as dot segments and move the call to another endpoint
 * of the same host (`/repos/{args.repo}/branches/{args.branch}` with `..`: the repository itself),
 * and an empty value would merge two segments. Those are refused; the query takes any value.
 */
function fill(template: string, values: { args: unknown; response?: unknown }, label: string): string {
  const queryAt = template.indexOf('?');
  return template.replace(PLACEHOLDER, (whole, source: 'args' | 'response', path: string, offset: number) => {
    const value = lookup(values[source], path);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ToolRefusedError(`${label}: ${whole} has no string or number value`);
    }
    const encoded = encodeURIComponent(String(value));
    const inPath = queryAt === -1 || offset < queryAt;
    if (inPath && /^\.{0,2}$/.test(encoded)) {
      throw new ToolRefusedError(`${label}: ${whole} is ${JSON.stringify(String(value))}, which cannot fill a path segment (it would change the endpoint)`);
    }
    return encoded;
  });
}

/** ajv's errors as zod issues, each with the argument's path (`args.customer.email: must match format "email"`). */
function issuesOf(errors: ErrorObject[]): { message: string; path: (string | number)[] }[] {
  return errors.map((e) => {
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'required') path.push(String((e.params as { missingProperty: string }).missingProperty));
    if (e.keyword === 'additionalProperties') path.push(String((e.params as { additionalProperty: string }).additionalProperty));
    const message = e.keyword === 'required' ? 'is required' : e.keyword === 'additionalProperties' ? 'is not allowed' : (e.message ?? 'is invalid');
    return { message, path };
  });
}

function resolveHeaders(headers: Record<string, z.infer<typeof HeaderValue>>, env: Env, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name] = value;
    else {
      const found = env[value.env];
      if (found === undefined || found === '') throw new Error(`${where}.headers.${name}: environment variable ${value.env} is not set`);
      out[name] = `${value.prefix}${found}`;
    }
  }
  return out;
}

/**
 * The declared cost of one call. A part read from the arguments must be exactly what budgets hold, or the call's
 * cost throws naming the argument (admission then denies the action with that reason): read as "no cost", an
 * amount like "50.000" or a currency like "usd" (what Stripe-style APIs take) passed every budget. A currency's
 * case is normalised ("usd" is checked against USD budgets); an amount is never rounded (12.345 is refused, not
 * reserved as 12.35 while the call sends 12.345).
 */
function costOf(cost: NonNullable<HttpToolDeclaration['cost']>, where: string) {
  if (!ARG_REF.test(cost.amount) && !MoneyAmount.safeParse(cost.amount).success)
    throw new Error(`${where}.cost.amount: "${cost.amount}" is neither a decimal amount like "0.25" nor args.<path>`);
  if (!ARG_REF.test(cost.currency) && !CURRENCY.test(cost.currency))
    throw new Error(`${where}.cost.currency: "${cost.currency}" is neither a currency code like "USD" nor args.<path>`);
  const amountOf = costPart(cost.amount, (value, name) => {
    // A JSON number is taken as written (String(12.5) is "12.5"): one with more places, a sign or an exponent is refused.
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text === 'string' && MoneyAmount.safeParse(text).success) return text;
    return refuseCost(name, value, 'is not an amount like "125.50" (digits, at most two decimal places, at most 999999999999.99)');
  });
  const currencyOf = costPart(cost.currency, (value, name) => {
    const code = typeof value === 'string' ? value.toUpperCase() : undefined;
    if (code !== undefined && CURRENCY.test(code)) return code;
    return refuseCost(name, value, 'is not a currency code like "USD"');
  });
  return (args: unknown): { amount: string; currency: string } => ({ amount: amountOf(args), currency: currencyOf(args) });
}

const CURRENCY = /^[A-Z]{3}$/;

/** A literal cost part as declared, or `args.<path>` read from the call's arguments and checked by `check`. */
function costPart(declared: string, check: (value: unknown, name: string) => string): (args: unknown) => string {
  const ref = ARG_REF.exec(declared)?.[1];
  if (!ref) return () => declared;
  return (args) => check(lookup(args, ref), declared);
}

function refuseCost(name: string, value: unknown, problem: string): never {
  if (value === undefined) throw new Error(`${name} is missing; the declared cost reads it`);
  const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' || typeof value === 'boolean' || value === null ? String(value) : 'an object';
  throw new Error(`${name}: ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown} ${problem}`);
}

function hostEntry(url: string, methods: HttpMethod[], allowPrivateAddresses: boolean) {
  const parsed = new URL(url.replace(PLACEHOLDER, 'x'));
  const scheme = parsed.protocol === 'https:' ? 'https' : 'http';
  const port = parsed.port ? Number(parsed.port) : scheme === 'https' ? 443 : 80;
  return { host: parsed.hostname, methods, schemes: [scheme], ports: [port], allowPrivateAddresses };
}

/**
 * The HTTP tools a tools config declares. Each is checked whole at start-up (its
 * JSON Schema compiled, its headers' environment variables present, its cost
 * parts well formed) and fails with the path of the problem. Each call goes
 * through `httpCall`: SSRF checks (the declared host is the only one allowed, its
 * addresses vetted unless `allowPrivateAddresses`), the deadline, the hashed
 * idempotency key header and the circuit breaker.
 */
export function declaredHttpTools(
  declarations: readonly unknown[],
  http: z.input<typeof HttpConfig> | undefined,
  resolve: HostResolver,
  breakers: CircuitBreakers,
  env: Env,
): ToolDefinition[] {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  const names = new Set<string>();
  return declarations.map((raw, index) => {
    const where = `httpTools[${index}]`;
    const parsed = HttpToolDeclaration.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${where}${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`);
    }
    const tool = parsed.data;
    const label = tool.name;
    if (names.has(tool.name)) throw new Error(`${where}.name: ${tool.name} is declared twice`);
    names.add(tool.name);
    if (tool.args.type !== 'object') throw new Error(`${where}.args: the schema must describe an object ("type": "object")`);
    let validate: ReturnType<Ajv['compile']>;
    try {
      validate = ajv.compile(tool.args);
    } catch (error) {
      throw new Error(`${where}.args: not a usable JSON Schema: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const headers = resolveHeaders(tool.headers, env, where);
    const compensationHeaders = tool.compensation ? resolveHeaders(tool.compensation.headers, env, `${where}.compensation`) : {};
    const cost = tool.cost ? costOf(tool.cost, where) : undefined;

    // Only the declared host(s), with exactly the declared methods, scheme and port.
    const entries: ReturnType<typeof hostEntry>[] = [];
    for (const request of [tool, ...(tool.compensation ? [tool.compensation] : [])]) {
      const entry = hostEntry(request.url, [request.method], tool.allowPrivateAddresses);
      const same = entries.find((e) => e.host === entry.host && e.schemes[0] === entry.schemes[0] && e.ports[0] === entry.ports[0]);
      if (same) same.methods.push(request.method);
      else entries.push(entry);
    }
    const config = HttpConfig.parse({ ...(http ?? {}), allow: entries, maxTimeoutMs: Math.max(tool.timeoutMs, http?.maxTimeoutMs ?? 0) });

    const args = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
      if (!validate(value)) for (const issue of issuesOf(validate.errors ?? [])) ctx.addIssue({ code: 'custom', ...issue });
    });

    const call = async (
      request: z.infer<typeof Request>,
      values: { args: unknown; response?: unknown },
      extraHeaders: Record<string, string>,
      ctx: { signal: AbortSignal; idempotencyKey: string },
      what: string,
    ) => {
      const hasBody = (request.body ?? (['POST', 'PUT', 'PATCH'].includes(request.method) ? 'args' : 'none')) === 'args';
      const response: HttpResponseOutput = await httpCall(
        config,
        resolve,
        breakers,
        {
          method: request.method,
          url: fill(request.url, values, what),
          headers: { ...extraHeaders, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
          body: hasBody ? JSON.stringify(values.args) : undefined,
          timeoutMs: tool.timeoutMs,
        },
        ctx,
        what,
      );
      let body: unknown = response.body;
      if (response.bodyEncoding === 'utf8' && /^application\/([\w.+-]+\+)?json/i.test(response.headers['content-type'] ?? '') && !response.truncated) {
        try {
          body = JSON.parse(response.body);
        } catch {
          // Not JSON after all: the text is kept.
        }
      }
      if (response.status >= 400) {
        throw new Error(`${what}: ${request.method} ${new URL(response.url).host} answered ${response.status}: ${response.body.slice(0, 500)}`);
      }
      return { status: response.status, body, url: response.url, truncated: response.truncated } satisfies HttpToolOutput;
    };

    return defineTool({
      name: tool.name,
      description: tool.description,
      args,
      ...(cost ? { cost } : {}),
      execute: (values, ctx): Promise<HttpToolOutput> => call(tool, { args: values }, headers, ctx, label),
      ...(tool.compensation
        ? {
            compensate: async (values: Record<string, unknown>, output: unknown, ctx: { signal: AbortSignal; idempotencyKey: string }) => {
              await call(tool.compensation!, { args: values, response: (output as HttpToolOutput | undefined)?.body }, compensationHeaders, ctx, `${label} (compensation)`);
            },
          }
        : {}),
    });
  });
}
