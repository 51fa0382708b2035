import { readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { consoleEnvironment } from './console-env.js';
import { consoleDir, repoRoot } from './paths.js';
import { assertPortFree, waitForPort } from './ports.js';
import { describeExit, spawnManaged, type ManagedProcess } from './processes.js';

const consoleDistDir = path.join(consoleDir, '.next');

/**
 * Written after `next build` exits 0, holding the BUILD_ID that build wrote. BUILD_ID alone does not
 * say a build finished: Next writes it partway through (before the pages are generated), so a build
 * stopped after that point (Ctrl-C in a first `npm start`) left one, and the next start served the
 * incomplete build, which `next start` refused.
 */
const COMPLETE_FILE = 'airlock-build-complete';

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Whether the console needs a build: none yet, one that did not finish, or one older than a source
 * file of the console or of a workspace package it bundles (the newest file named).
 */
export async function consoleBuildNeeded(distDir = consoleDistDir): Promise<{ reason: string } | undefined> {
  const buildId = await readIfThere(path.join(distDir, 'BUILD_ID'));
  if (buildId === undefined) return { reason: 'it has not been built yet' };
  if ((await readIfThere(path.join(distDir, COMPLETE_FILE))) !== buildId) return { reason: 'its last build did not finish' };
  // BUILD_ID's time, not the marker's: a source saved while the build ran is newer than it.
  const built = (await stat(path.join(distDir, 'BUILD_ID'))).mtimeMs;
  const newest = await newestSource();
  return newest && newest.mtimeMs > built ? { reason: `${path.relative(repoRoot, newest.file)} changed since the last build` } : undefined;
}

/** Records that the build in `distDir` finished (call once `next build` exited 0). */
export async function markConsoleBuilt(distDir = consoleDistDir): Promise<void> {
  await writeFile(path.join(distDir, COMPLETE_FILE), await readFile(path.join(distDir, 'BUILD_ID'), 'utf8'));
}

/** `next build` in apps/console, its output passed to `log` line by line as progress. */
export async function buildConsole(options: { env: NodeJS.ProcessEnv; log: (line: string) => void; logFile: string; signal: AbortSignal }): Promise<void> {
  options.signal.throwIfAborted();
  const nextBin = createRequire(path.join(consoleDir, 'package.json')).resolve('next/dist/bin/next');
  const build = await spawnManaged('the console build', process.execPath, [nextBin, 'build', '--webpack'], {
    cwd: consoleDir,
    env: consoleEnvironment(options.env),
    logFile: options.logFile,
    onLine: (line) => {
      if (line.trim()) options.log(`console build: ${line.trim()}`);
    },
  });
  // Stopped when start-up is abandoned (Ctrl-C, or another step failed): nobody waits minutes for a build no one will use.
  const abandon = () => void build.stop({ signal: 'SIGTERM', graceMs: 5_000 });
  options.signal.addEventListener('abort', abandon, { once: true });
  const status = await build.exited.finally(() => options.signal.removeEventListener('abort', abandon));
  options.signal.throwIfAborted();
  if (status.code !== 0) throw new Error(`the console build failed (${describeExit(status)}); its output is in ${options.logFile}`);
  await markConsoleBuilt();
}

/** The newest file among the console's sources and those of every workspace package it depends on. */
async function newestSource(): Promise<{ file: string; mtimeMs: number } | undefined> {
  const packageDirs = await workspaceDependencies(consoleDir);
  // Every top-level module Next picks up by name (instrumentation.ts, proxy.ts, next.config.ts, …), not a list that misses the next one.
  const topLevel = (await readdir(consoleDir)).filter((entry) => entry.endsWith('.ts') && !entry.endsWith('.d.ts'));
  const roots = [
    ...['app', 'src', 'package.json', ...topLevel].map((entry) => path.join(consoleDir, entry)),
    ...[...packageDirs].filter((dir) => dir !== consoleDir).flatMap((dir) => [path.join(dir, 'src'), path.join(dir, 'package.json')]),
  ];
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const root of roots) {
    for (const file of await filesUnder(root)) {
      const { mtimeMs } = await stat(file);
      if (!newest || mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
    }
  }
  return newest;
}

/** `dir` and the directories of the @airlock/* packages it depends on, transitively (workspace links resolved). */
async function workspaceDependencies(dir: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    if (!name.startsWith('@airlock/')) continue;
    const linked = await realpath(path.join(repoRoot, 'node_modules', name)).catch(() => undefined);
    if (linked) await workspaceDependencies(linked, seen);
  }
  return seen;
}

async function filesUnder(root: string): Promise<string[]> {
  const info = await stat(root).catch(() => undefined);
  if (!info) return [];
  if (info.isFile()) return [root];
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && !entry.parentPath.includes(`${path.sep}node_modules`)).map((entry) => path.join(entry.parentPath, entry.name));
}

export interface ConsoleOptions {
  port: number;
  /** What the console reads: DATABASE_URL, TEMPORAL_*, AIRLOCK_CONSOLE_PORT and AIRLOCK_LOG_FORMAT, on top of the inherited env. */
  env: NodeJS.ProcessEnv;
  logFile: string;
  signal?: AbortSignal;
}

export interface RunningConsole {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** `next start` from apps/console, run directly (no npm in between) so signals reach it unrelayed. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  await assertPortFree('127.0.0.1', options.port, 'AIRLOCK_CONSOLE_PORT');
  const nextBin = createRequire(path.join(consoleDir, 'package.json')).resolve('next/dist/bin/next');
  const server = await spawnManaged('console', process.execPath, [nextBin, 'start', '--port', String(options.port)], {
    cwd: consoleDir,
    env: consoleEnvironment(options.env),
    logFile: options.logFile,
    // Its log stays in the log file; its warnings and errors (stderr, already in the launcher's log format) show here too.
    onLine: (line, stream) => {
      if (stream === 'stderr') process.stderr.write(`${line}\n`);
    },
  });
  const stop = async () => {
    await server.stop({ signal: 'SIGTERM', graceMs: 10_000 });
  };
  try {
    await waitForPort({
      host: '127.0.0.1',
      port: options.port,
      timeoutMs: 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
      gaveUp: server.exited.then((status) => `the console exited (${describeExit(status)}) during start-up:\n${server.recentOutput()}`),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: consoleUrl(options.port), process: server, stop };
}

/** Where the embedded console answers on this machine. */
export function consoleUrl(port: number): string {
  return `http://localhost:${port}`;
}
