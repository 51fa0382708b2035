import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { httpRequestSpec, type HttpMethod } from '@airlock/core';
import { defineTool } from '../define.js';
import { neverDialled, pinnedLookup, refusedAddressReason, type HostResolver, type ResolvedAddress } from './addresses.js';

export { systemResolver, type HostResolver, type ResolvedAddress } from './addresses.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { ToolRefusedError, type HttpAllowEntry, type HttpConfig } from './config.js';

export interface HttpResponseOutput {
  status: number;
  headers: Record<string, string>;
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  truncated: boolean;
  /** The URL that answered, after redirects. */
  url: string;
  redirects: string[];
}

/** Set by Airlock, never by the agent: framing, routing and hop-by-hop headers. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'keep-alive',
  'expect',
  'proxy-authorization',
  'proxy-connection',
  'proxy-authenticate',
]);
/** Dropped when a redirect leaves the origin, as browsers do. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const TEXTUAL = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript|[\w.+-]+\+(json|xml)))/i;

const bareHost = (url: URL) => url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
const defaultPort = (url: URL) => (url.protocol === 'https:' ? 443 : 80);

function entryFor(allow: readonly HttpAllowEntry[], host: string): HttpAllowEntry | undefined {
  return allow.find((e) => e.host === host) ?? allow.find((e) => e.host.startsWith('*.') && host.endsWith(e.host.slice(1)) && host.length > e.host.length - 1);
}

interface Hop {
  url: URL;
  address: ResolvedAddress;
}

/** Checks one hop (the first request or a redirect) and pins the address it will connect to. */
async function vetHop(config: HttpConfig, resolve: HostResolver, url: URL, method: HttpMethod, label: string): Promise<Hop> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ToolRefusedError(`${label}: scheme ${url.protocol} is not allowed`);
  if (url.username || url.password) throw new ToolRefusedError(`${label}: credentials in the URL are refused; use a header`);
  const host = bareHost(url);
  const entry = entryFor(config.allow, host);
  if (!entry) throw new ToolRefusedError(`${label}: host ${host} is not allowlisted`);
  if (!entry.methods.includes(method)) throw new ToolRefusedError(`${label}: ${method} is not allowed for ${host} (allowed: ${entry.methods.join(', ')})`);
  const scheme = url.protocol.slice(0, -1) as 'http' | 'https';
  if (!entry.schemes.includes(scheme)) throw new ToolRefusedError(`${label}: ${scheme} is not allowed for ${host}`);
  const port = url.port ? Number(url.port) : defaultPort(url);
  if (!(entry.ports ?? [defaultPort(url)]).includes(port)) throw new ToolRefusedError(`${label}: port ${port} is not allowed for ${host}`);

  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new Error(`${label}: cannot resolve ${host}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (addresses.length === 0) throw new Error(`${label}: ${host} has no addresses`);
  // Every answer is checked, not just the first: a name with one public and one private address is refused.
  for (const { address } of addresses) {
    const reason = refusedAddressReason(address);
    if (reason && (!entry.allowPrivateAddresses || neverDialled(address))) {
      throw new ToolRefusedError(`${label}: refused ${host}: it resolves to ${address}, a ${reason} address (SSRF protection)`);
    }
  }
  return { url, address: addresses[0]! };
}

interface SentRequest {
  method: HttpMethod;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

function send(hop: Hop, request: SentRequest, signal: AbortSignal, maxBytes: number): Promise<{ response: IncomingMessage; body: Buffer; truncated: boolean }> {
  const client = hop.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(hop.url, {
      method: request.method,
      headers: { ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
      lookup: pinnedLookup(hop.address),
      agent: false,
      signal,
    });
    req.on('error', reject);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (truncated: boolean) => {
        if (settled) return;
        settled = true;
        resolve({ response, body: Buffer.concat(chunks), truncated });
      };
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = maxBytes - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size = maxBytes;
          finish(true);
          // The rest is never read: the connection is dropped.
          req.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => finish(false));
      response.on('error', (error) => {
        if (!settled) {
          settled = true;
          reject(error);
        }
      });
    });
    req.end(request.body);
  });
}

export interface HttpCallInput {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string> | undefined;
  body?: string | undefined;
  timeoutMs: number;
}

/**
 * One request as `http.request` makes it, for it and for the HTTP tools declared
 * in configuration: only allowlisted hosts, methods, schemes and ports; every
 * hop's addresses vetted after DNS (private, loopback, link-local, CGNAT, ULA,
 * IPv4-mapped... refused) and the connection pinned to the vetted address;
 * redirects followed at most `maxRedirects` times, each re-vetted; the step's
 * idempotency key sent (hashed) in `idempotencyHeader`; a deadline; the circuit
 * breaker keyed on `label:host`. `label` names the tool in every message.
 */
export async function httpCall(
  config: HttpConfig,
  resolve: HostResolver,
  breakers: CircuitBreakers,
  { method, url, headers = {}, body, timeoutMs }: HttpCallInput,
  { signal, idempotencyKey }: { signal: AbortSignal; idempotencyKey: string },
  label = 'http.request',
): Promise<HttpResponseOutput> {
  if (timeoutMs > config.maxTimeoutMs) throw new ToolRefusedError(`${label}: timeoutMs ${timeoutMs} is over this worker's cap of ${config.maxTimeoutMs}`);
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  if (payload && payload.length > config.maxRequestBytes) throw new ToolRefusedError(`${label}: body of ${payload.length} bytes is over the cap of ${config.maxRequestBytes}`);
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) throw new ToolRefusedError(`${label}: header ${name} is set by Airlock, not by the caller`);
    sent[lower] = value;
  }
  // Opaque (a hash): the server can deduplicate without learning Airlock's action ids.
  if (config.idempotencyHeader) sent[config.idempotencyHeader.toLowerCase()] ??= createHash('sha256').update(idempotencyKey).digest('hex');

  const first = new URL(url);
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  return breakers.run(
    `${label}:${bareHost(first)}`,
    async () => {
      let request: SentRequest = { method, headers: sent, body: payload };
      let current = first;
      const redirects: string[] = [];
      for (;;) {
        const hop = await vetHop(config, resolve, current, request.method, label);
        const {
          response,
          body: received,
          truncated,
        } = await send(hop, request, deadline, config.maxResponseBytes).catch((error: Error) => {
          if (deadline.aborted && !signal.aborted) throw new Error(`${label}: no complete response from ${bareHost(current)} within ${timeoutMs} ms`, { cause: error });
          throw error;
        });
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if ([301, 302, 303, 307, 308].includes(status) && location) {
          if (redirects.length >= config.maxRedirects) throw new ToolRefusedError(`${label}: more than ${config.maxRedirects} redirects (last to ${location})`);
          const next = URL.parse(location, current.toString());
          if (!next) throw new ToolRefusedError(`${label}: unusable redirect location ${JSON.stringify(location)}`);
          redirects.push(next.toString());
          // 303, and 301/302 after a POST, become a GET without a body (as browsers do); 307/308 keep both.
          const toGet = status === 303 || ((status === 301 || status === 302) && request.method === 'POST');
          const nextHeaders = { ...request.headers };
          if (next.origin !== current.origin) for (const h of CREDENTIAL_HEADERS) delete nextHeaders[h];
          request = toGet ? { method: request.method === 'HEAD' ? 'HEAD' : 'GET', headers: nextHeaders, body: undefined } : { ...request, headers: nextHeaders };
          current = next;
          continue;
        }
        const contentType = String(response.headers['content-type'] ?? '');
        const textual = received.length === 0 || TEXTUAL.test(contentType);
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
        return {
          status,
          headers: responseHeaders,
          body: received.toString(textual ? 'utf8' : 'base64'),
          bodyEncoding: textual ? 'utf8' : 'base64',
          truncated,
          url: current.toString(),
          redirects,
        };
      }
    },
    // Refusals say nothing about the endpoint's health; network errors, timeouts and 5xx do.
    ({ error, value }) => (error !== undefined ? !(error instanceof ToolRefusedError) : (value?.status ?? 0) >= 500),
  );
}

/** `http.request`, from the worker: see httpCall for what is checked. */
export function httpRequestTool(config: HttpConfig, resolve: HostResolver, breakers: CircuitBreakers) {
  return defineTool({
    ...httpRequestSpec,
    execute: (args, ctx): Promise<HttpResponseOutput> => httpCall(config, resolve, breakers, args, ctx),
  });
}
