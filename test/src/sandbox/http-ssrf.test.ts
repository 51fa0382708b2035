import { lookup } from 'node:dns/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { ToolDefinition } from '@airlock/activities';
import { builtinTools, CircuitBreakers, CircuitOpenError, type HostResolver, type HttpAllowEntryInput, type HttpResponseOutput } from '@airlock/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, countingListener, findTool, marker, toolContext } from './support.js';

/**
 * The "internal" service an attacker wants (a loopback HTTP server that counts
 * hits), and a redirector the tool may reach: it is trusted by name
 * (`redirector.test`, pinned to loopback, allowPrivateAddresses), so what stops
 * its redirects to loopback is the address check alone: 127.0.0.1 and
 * localhost are themselves allowlisted by name, without that exemption.
 */
let internal: Server;
let internalHits = 0;
let internalPort: number;
let redirector: Server;
let redirectorPort: number;
const seenHeaders: IncomingHttpHeaders[] = [];
let http: ToolDefinition;
let clock = 0;
let breakers: CircuitBreakers;
let closedPort: number;

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

const resolver: HostResolver = async (host) => {
  if (host === 'redirector.test' || host === 'other.test' || host === 'down.test') return [{ address: '127.0.0.1', family: 4 }];
  // A name answering with one public and one loopback address (DNS rebinding shape).
  if (host === 'rebind.test')
    return [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
  return (await lookup(host, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

beforeAll(async () => {
  internal = createServer((_req, res) => {
    internalHits++;
    res.end('internal secret');
  });
  internalPort = await listen(internal);
  redirector = createServer((req, res) => {
    const url = req.url ?? '/';
    const go = (location: string, status = 302) => res.writeHead(status, { location }).end();
    if (url === '/ok') return res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    if (url === '/headers') {
      seenHeaders.push(req.headers);
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
    }
    if (url === '/to-loopback') return go(`http://127.0.0.1:${internalPort}/secret`);
    if (url === '/to-localhost') return go(`http://localhost:${internalPort}/secret`);
    if (url === '/to-mapped') return go(`http://[::ffff:127.0.0.1]:${internalPort}/secret`, 307);
    if (url === '/to-decimal') return go(`http://2130706433:${internalPort}/secret`, 301);
    if (url === '/to-metadata') return go('http://169.254.169.254/latest/meta-data/', 303);
    if (url === '/to-ok') return go('/ok');
    if (url === '/to-other') return go(`http://other.test:${redirectorPort}/headers`);
    if (url.startsWith('/loop')) return go(`/loop${url.length}`);
    if (url === '/big') return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(200_000));
    return res.writeHead(404).end();
  });
  redirectorPort = await listen(redirector);
  const closed = await countingListener('127.0.0.1');
  closedPort = closed.port;
  await closed.close();

  breakers = new CircuitBreakers({ failureThreshold: 2, cooldownMs: 10_000 }, () => clock);
  const named = (host: string): HttpAllowEntryInput => ({ host, methods: ['GET', 'POST'], schemes: ['http'], ports: [internalPort, 80] });
  const trusted = (host: string, ports: number[]): HttpAllowEntryInput => ({ host, methods: ['GET', 'POST'], schemes: ['http'], ports, allowPrivateAddresses: true });
  const tools = builtinTools(
    {
      http: {
        allow: [
          trusted('redirector.test', [redirectorPort]),
          trusted('other.test', [redirectorPort]),
          trusted('down.test', [closedPort]),
          named('127.0.0.1'),
          named('localhost'),
          named('::ffff:127.0.0.1'),
          named('rebind.test'),
          ...[
            '10.0.0.1',
            '172.16.0.1',
            '192.168.1.1',
            '169.254.169.254',
            '100.64.0.1',
            'fd00::1',
            'fe80::1',
            '224.0.0.1',
            '0.0.0.0',
            '::1',
            '::ffff:10.0.0.1',
            '64:ff9b::7f00:1',
          ].map(named),
        ],
        maxRedirects: 3,
        maxResponseBytes: 10_000,
      },
    },
    { resolveHost: resolver, breakers },
  );
  http = findTool(tools, 'http.request');
});

afterAll(async () => {
  await new Promise((r) => internal.close(r));
  await new Promise((r) => redirector.close(r));
});

const request = (args: Record<string, unknown>, key = marker('key')) =>
  callTool(http, { method: 'GET', ...args }, toolContext({ idempotencyKey: key })) as Promise<HttpResponseOutput>;
const redirectorUrl = (path: string) => `http://redirector.test:${redirectorPort}${path}`;

describe('red team: SSRF', () => {
  it('refuses loopback by IP literal, even when allowlisted by name', async () => {
    await expect(request({ url: `http://127.0.0.1:${internalPort}/secret` })).rejects.toThrow(/refused 127\.0\.0\.1: .* loopback .*SSRF/);
    expect(internalHits).toBe(0);
  });

  it("refuses 'localhost' after DNS resolves it to loopback", async () => {
    await expect(request({ url: `http://localhost:${internalPort}/secret` })).rejects.toThrow(/refused localhost: it resolves to (127\.0\.0\.1|::1)/);
    expect(internalHits).toBe(0);
  });

  it('refuses an IPv4-mapped IPv6 literal and a decimal-encoded IPv4', async () => {
    await expect(request({ url: `http://[::ffff:127.0.0.1]:${internalPort}/secret` })).rejects.toThrow(/IPv4-mapped/);
    await expect(request({ url: `http://2130706433:${internalPort}/secret` })).rejects.toThrow(/refused 127\.0\.0\.1: .*loopback/);
    expect(internalHits).toBe(0);
  });

  it.each([
    ['10.0.0.1', /private/],
    ['172.16.0.1', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['[fd00::1]', /unique local/],
    ['[fe80::1]', /link-local/],
    ['224.0.0.1', /multicast/],
    ['0.0.0.0', /this network/],
    ['[::1]', /loopback/],
    ['[::ffff:10.0.0.1]', /IPv4-mapped/],
    ['[64:ff9b::7f00:1]', /NAT64/],
  ])('refuses %s (%s) before connecting', async (host, reason) => {
    await expect(request({ url: `http://${host}/` })).rejects.toThrow(reason);
  });

  it('refuses a name whose DNS answers mix a public and a loopback address', async () => {
    await expect(request({ url: `http://rebind.test:${internalPort}/secret` })).rejects.toThrow(/refused rebind\.test: it resolves to 127\.0\.0\.1/);
    expect(internalHits).toBe(0);
  });

  it.each(['/to-loopback', '/to-localhost', '/to-mapped', '/to-decimal', '/to-metadata'])('re-checks every redirect: %s is refused', async (path) => {
    await expect(request({ url: redirectorUrl(path) })).rejects.toThrow(/SSRF protection/);
    expect(internalHits).toBe(0);
  });

  it('follows at most maxRedirects', async () => {
    await expect(request({ url: redirectorUrl('/loop') })).rejects.toThrow(/more than 3 redirects/);
  });

  it('refuses hosts, methods, schemes and ports off the allowlist', async () => {
    await expect(request({ url: 'http://example.com/' })).rejects.toThrow(/host example\.com is not allowlisted/);
    await expect(request({ method: 'DELETE', url: redirectorUrl('/ok') })).rejects.toThrow(/DELETE is not allowed for redirector\.test/);
    await expect(request({ url: `https://redirector.test:${redirectorPort}/ok` })).rejects.toThrow(/https is not allowed/);
    await expect(request({ url: 'http://redirector.test:1/ok' })).rejects.toThrow(/port 1 is not allowed/);
    await expect(request({ url: 'http://user:pw@redirector.test/ok' })).rejects.toThrow(/credentials in the URL/);
    await expect(request({ url: 'file:///etc/passwd' })).rejects.toThrow();
    expect(internalHits).toBe(0);
  });
});

describe('what is allowed', () => {
  it('reaches an allowlisted host and follows a redirect that stays allowed', async () => {
    expect(await request({ url: redirectorUrl('/ok') })).toMatchObject({ status: 200, body: 'hello', truncated: false, redirects: [] });
    expect(await request({ url: redirectorUrl('/to-ok') })).toMatchObject({ status: 200, body: 'hello', redirects: [redirectorUrl('/ok')] });
  });

  it('cuts the response body at the cap', async () => {
    const response = await request({ url: redirectorUrl('/big') });
    expect(response).toMatchObject({ status: 200, truncated: true });
    expect(response.body).toHaveLength(10_000);
  });

  it('refuses headers Airlock sets itself and drops credentials on a cross-origin redirect', async () => {
    await expect(request({ url: redirectorUrl('/ok'), headers: { Host: 'internal' } })).rejects.toThrow(/header Host is set by Airlock/);
    const response = await request({ url: redirectorUrl('/to-other'), headers: { authorization: 'Bearer agent-token', 'x-trace': 't1' } });
    const received = JSON.parse(response.body) as Record<string, string>;
    expect(received).toMatchObject({ 'x-trace': 't1', host: `other.test:${redirectorPort}` });
    expect(received.authorization).toBeUndefined();
  });

  it('a repeated POST (crash before recording) carries the same Idempotency-Key, so the server can drop the repeat', async () => {
    seenHeaders.length = 0;
    const key = marker('crash');
    await request({ method: 'POST', url: redirectorUrl('/headers'), body: '{"refund":1}' }, key);
    await request({ method: 'POST', url: redirectorUrl('/headers'), body: '{"refund":1}' }, key);
    await request({ method: 'POST', url: redirectorUrl('/headers'), body: '{"refund":1}' }, marker('other-step'));
    const [first, repeat, other] = seenHeaders.map((h) => h['idempotency-key']);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(repeat).toBe(first);
    expect(other).not.toBe(first);
  });
});

describe('circuit breaker on an endpoint', () => {
  it('opens after repeated connection failures, fast-fails with a fallback, probes after the cool-down and closes on success', async () => {
    const url = `http://down.test:${closedPort}/ok`;
    await expect(request({ url })).rejects.toThrow(/ECONNREFUSED/);
    await expect(request({ url })).rejects.toThrow(/ECONNREFUSED/);
    expect(breakers.state('http.request:down.test')).toMatchObject({ state: 'open', consecutiveFailures: 2 });
    const fast = request({ url });
    await expect(fast).rejects.toThrow(CircuitOpenError);
    await expect(fast).rejects.toThrow(/circuit open for http\.request:down\.test: 2 consecutive failures .*Fallback: do not retry this call now/);

    // The endpoint comes back; after the cool-down one probe goes through and closes the circuit.
    const revived = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('back'));
    await new Promise<void>((resolve) => revived.listen(closedPort, '127.0.0.1', resolve));
    try {
      clock += 10_000;
      expect(breakers.state('http.request:down.test').state).toBe('half_open');
      expect(await request({ url })).toMatchObject({ status: 200, body: 'back' });
      expect(breakers.state('http.request:down.test')).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    } finally {
      await new Promise((r) => revived.close(r));
    }
    // Other endpoints were never affected.
    expect(breakers.state('http.request:redirector.test').state).toBe('closed');
  });
});
