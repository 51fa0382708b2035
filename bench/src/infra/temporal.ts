import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface TemporalServer {
  /** host:port of its frontend, for workers in other processes. */
  address: string;
  /** The one NativeConnection: workers and the client share it. */
  connection: NativeConnection;
  client: Client;
  /** The dev server's process id when this process started it from the CLI (for CPU accounting). */
  pid: number | undefined;
  teardown(): Promise<void>;
}

/** Dev-server settings that dispatch workflow tasks without waiting for the transfer queue's rate-limited poll. */
export const FAST_DISPATCH_ARGS = ['--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000'] as const;
/** Dev-server settings that hand an activity scheduled by a workflow task straight back to its worker (eager execution). */
export const EAGER_ACTIVITY_ARGS = ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'] as const;
const BASE_ARGS = ['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true'];

/** $TEMPORAL_CLI_PATH, else the project's venv binary; undefined lets the SDK download one. */
export function temporalCliPath(override: string | undefined): string | undefined {
  return [override, path.join(repoRoot, '.tools/venv/bin/temporal')].find((c): c is string => !!c && existsSync(c));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function connectWhenReady(address: string, child: ChildProcess, timeoutMs = 60_000): Promise<NativeConnection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode} before it was ready`);
    try {
      const connection = await NativeConnection.connect({ address });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return connection;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

let runtimeInstalled = false;

/** The SDK's runtime is a process-wide singleton: a second dev server in the same process (the pending part on two servers) reuses it. */
function installRuntimeOnce(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/**
 * A real Temporal dev server (in-memory) for this run. From the CLI binary it is
 * started here, so its banner stays off stdout (--json) and its CPU can be
 * counted; without one, the SDK downloads and starts it.
 */
export async function startTemporal(cliOverride: string | undefined, extraArgs: readonly string[] = []): Promise<TemporalServer> {
  installRuntimeOnce();
  const cli = temporalCliPath(cliOverride);
  if (!cli) {
    const env = await TestWorkflowEnvironment.createLocal({ server: { ui: false, extraArgs: [...BASE_ARGS, ...extraArgs] } });
    const connection = env.nativeConnection;
    return { address: env.address, connection, client: new Client({ connection, namespace: 'default' }), pid: undefined, teardown: () => env.teardown() };
  }
  const port = await freePort();
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--namespace', 'default', '--log-level', 'error', ...BASE_ARGS, ...extraArgs];
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const connection = await connectWhenReady(`127.0.0.1:${port}`, child);
    return {
      address: `127.0.0.1:${port}`,
      connection,
      client: new Client({ connection, namespace: 'default' }),
      pid: child.pid,
      async teardown() {
        await connection.close();
        await stop(child);
      },
    };
  } catch (error) {
    await stop(child);
    throw error;
  }
}
