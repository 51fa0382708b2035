import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { temporalCliPath } from './binaries.js';
import { spawnChild, type Child } from './child.js';
import { freePorts } from './ports.js';

/**
 * A Temporal CLI dev server of the test's own, with its state in a SQLite file,
 * so it can be stopped and started again on the same port with every workflow,
 * timer and history intact (what `npm start` runs).
 */
export class TemporalDevServer {
  private server: Child | undefined;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly cli: string,
    private readonly extraArgs: readonly string[],
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async create(extraArgs: readonly string[] = []): Promise<TemporalDevServer> {
    const cli = temporalCliPath();
    if (!cli) throw new Error('the Temporal CLI was not found (.tools/venv/bin/temporal or TEMPORAL_CLI_PATH); run .ci/run');
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-temporal-'));
    const [port] = (await freePorts(1)) as [number];
    const server = new TemporalDevServer(dataDir, port, cli, extraArgs);
    await server.start();
    return server;
  }

  get pid(): number | undefined {
    return this.server?.isRunning() ? this.server.pid : undefined;
  }

  async start(): Promise<void> {
    if (this.server?.isRunning()) throw new Error('the Temporal dev server is already running');
    const args = [
      'server',
      'start-dev',
      '--headless',
      '--db-filename',
      path.join(this.dataDir, 'temporal.db'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--namespace',
      'default',
      '--log-level',
      'error',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      ...this.extraArgs,
    ];
    const server = await spawnChild('Temporal dev server', this.cli, args, {});
    const log = createWriteStream(path.join(this.dataDir, 'temporal.log'), { flags: 'a' });
    server.process.stdout?.pipe(log);
    server.process.stderr?.pipe(log);
    this.server = server;
    await this.waitUntilServing(server);
  }

  /** SIGTERM: the server shuts down and flushes SQLite; the next start resumes from the file. */
  async stop(): Promise<void> {
    await this.server?.stop('SIGTERM');
    this.server = undefined;
  }

  /** SIGKILL, as a crash: what SQLite committed survives, in-memory state (admitted updates) does not. */
  async kill(): Promise<void> {
    await this.server?.stop('SIGKILL');
    this.server = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private async waitUntilServing(server: Child, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!server.isRunning()) throw new Error(`the Temporal dev server exited during start-up:\n${server.output()}`);
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the Temporal dev server did not serve within ${timeoutMs} ms: ${String(error)}\n${server.output()}`, { cause: error });
      } finally {
        await connection?.close().catch(() => undefined);
      }
      await sleep(200);
    }
  }
}
