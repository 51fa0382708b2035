import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** A server's name is the first segment of its tools' names (`fs.read_file`): a policy and an agent's allowed tools name it. */
const ServerName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _ only, starting with a letter (it prefixes the tool names)');

const StdioServer = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Added to the gateway's safe default environment (PATH, HOME, …); the gateway's own secrets are not passed on. */
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().min(1).optional(),
});

const HttpServer = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of a Streamable HTTP MCP endpoint' }),
  /** Sent with every request upstream, e.g. the upstream's own credentials. */
  headers: z.record(z.string(), z.string()).default({}),
});

export const UpstreamServer = z.union([StdioServer, HttpServer], { error: 'an upstream is either { command, args?, env?, cwd? } (stdio) or { url, headers? } (Streamable HTTP)' });
export type UpstreamServer = z.infer<typeof UpstreamServer>;

export const GatewayConfig = z.strictObject({
  /** Where Airlock's REST API is (the console); `AIRLOCK_URL` overrides it. */
  airlock: z.strictObject({ url: z.url({ protocol: /^https?$/ }).optional() }).default({}),
  servers: z
    .record(ServerName, UpstreamServer)
    .refine((servers) => Object.keys(servers).length > 0, 'declare at least one upstream MCP server')
    .refine((servers) => !('airlock' in servers), '"airlock" is reserved for the gateway’s own tools (airlock.check)'),
  /** How long a tools/call waits for a pending approval before answering "pending" with the action id: under the 60 s request timeout of common MCP clients (the SDKs' default), which would otherwise give up with no action id. */
  approvalWaitMs: z.number().int().min(0).max(3_600_000).default(45_000),
  /** How often progress notifications go out while an approval is pending. */
  progressIntervalMs: z.number().int().min(100).max(60_000).default(5_000),
  /** How long an authorization stays usable (the upstream call must be made and reported within it). */
  reportWithinMs: z
    .number()
    .int()
    .min(1_000)
    .max(7 * 24 * 3_600_000)
    .default(15 * 60_000),
  /** The long-running Streamable HTTP mode (`npm start` with AIRLOCK_MCP_CONFIG, or `airlock mcp --http`). */
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(3333),
      path: z.string().regex(/^\//, 'must start with /').default('/mcp'),
    })
    .default({ host: '127.0.0.1', port: 3333, path: '/mcp' }),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

/** Reads and validates a JSON config file; every problem is named with its path in the file. */
export function loadGatewayConfig(file: string): GatewayConfig {
  const where = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(where, 'utf8');
  } catch (error) {
    throw new GatewayConfigError(`MCP gateway config ${where}: cannot read it (${error instanceof Error ? error.message : String(error)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new GatewayConfigError(`MCP gateway config ${where}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseGatewayConfig(raw, where);
}

export function parseGatewayConfig(raw: unknown, source = 'MCP gateway config'): GatewayConfig {
  const parsed = GatewayConfig.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    return issue.code === 'invalid_key' ? `${where}: not a server name (lower-case letters, digits and _, starting with a letter)` : `${where}: ${issue.message}`;
  });
  throw new GatewayConfigError(`${source} is invalid:\n  ${issues.join('\n  ')}`);
}
