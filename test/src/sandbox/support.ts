import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import type { ToolContext, ToolDefinition } from '@airlock/activities';
import { createSandbox, type Sandbox, type SandboxOptionsInput } from '@airlock/sandbox';
import type { Db } from '@airlock/db';

const run = promisify(execFile);

export const marker = (label: string) => `airlock-${label}-${randomBytes(6).toString('hex')}`;

/** A Db that fails loudly: the built-in tools must never touch Airlock's own database. */
export const noAirlockDb = new Proxy({} as Db, {
  get(_target, property) {
    throw new Error(`a built-in tool touched Airlock's database (${String(property)})`);
  },
});

export function toolContext(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    db: noAirlockDb,
    actionId: 'act_sandbox_test',
    idempotencyKey: marker('key'),
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    ...overrides,
  };
}

/** Runs a tool as runTool would: arguments through its schema first. */
export async function callTool(tool: ToolDefinition | undefined, args: unknown, ctx: ToolContext = toolContext()): Promise<unknown> {
  if (!tool) throw new Error('tool not registered');
  return tool.execute(tool.args.parse(args), ctx);
}

export function findTool(tools: readonly ToolDefinition[], name: string): ToolDefinition {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`tool ${name} not registered`);
  return tool;
}

/** Host processes whose command line carries `text` (pgrep -f), excluding pgrep itself. */
export async function processesMatching(text: string): Promise<string[]> {
  return pgrep(['-af', text]);
}

/** Host processes whose name is exactly `name` (at most 15 characters): the payload, not a launcher carrying it in its argv. */
export async function processesNamed(name: string): Promise<string[]> {
  return pgrep(['-ax', name]);
}

async function pgrep(args: string[]): Promise<string[]> {
  try {
    const { stdout } = await run('pgrep', args);
    return stdout.split('\n').filter(Boolean);
  } catch (error) {
    // pgrep exits 1 when nothing matches.
    if ((error as { code?: number }).code === 1) return [];
    throw error;
  }
}

/** A TCP listener on the host that counts every connection it accepts. */
export async function countingListener(host: string): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let shared: Promise<Sandbox> | undefined;
/** One detected, self-tested sandbox per test file. */
export function testSandbox(options: SandboxOptionsInput = {}): Promise<Sandbox> {
  if (Object.keys(options).length > 0) return createSandbox(options);
  shared ??= createSandbox();
  return shared;
}

export async function shellOutput(command: string, args: string[]): Promise<string> {
  return (await run(command, args)).stdout;
}
