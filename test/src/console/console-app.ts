import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { runProcess, startProcess } from '@airlock/core/spawn';
import lockfile from 'proper-lockfile';
import { consoleBuildNeeded, markConsoleBuilt } from '@airlock/worker';
import { freePorts } from '../support/ports.js';
import { repoRoot } from '../support/binaries.js';

const consoleDir = path.join(repoRoot, 'apps/console');
const nextBin = path.join(repoRoot, 'node_modules/next/dist/bin/next');
const buildLockFile = path.join(consoleDir, '.next-build.lock');

/**
 * Builds the console unless its build is newer than every source file of the console and of the
 * workspace packages it bundles: the launcher's own rule (`consoleBuildNeeded`), so a change to
 * instrumentation.ts or to a package is rebuilt here too. A build takes ~45 s on an idle machine,
 * minutes on a busy one; reuse saves it. Only the files that start the console build it, in their
 * `beforeAll` (time limit CONSOLE_SETUP_TIMEOUT_MS), so a run without them builds nothing.
 * Builders take turns through a lock file and look again once they hold it: the other vitest worker,
 * or another test run on this checkout, finds the first one's build and reuses it, where two
 * `next build`s at once would fail ("Another next build process is already running").
 */
export async function ensureConsoleBuilt(): Promise<void> {
  if (!(await consoleBuildNeeded())) return;
  // Stale after 30 s without the holder's refresh (every 15 s): a killed run does not block the next one.
  const release = await lockfile.lock(consoleDir, {
    lockfilePath: buildLockFile,
    stale: 30_000,
    update: 15_000,
    retries: { retries: 1_000, minTimeout: 1_000, maxTimeout: 1_000 },
  });
  try {
    if (await consoleBuildNeeded()) await buildConsole();
  } finally {
    await release();
  }
}

/**
 * `next build`, again after a pause while a build that does not take the test lock (`npm start`'s
 * launcher, `npm run build`) is under way: Next refuses a second build at once. Not "done once that
 * one is": this run's build is the one it knows finished (markConsoleBuilt).
 */
async function buildConsole(): Promise<void> {
  // Bounded: a lock left by a killed build would otherwise keep this loop going after the hook gave up.
  const giveUpAt = Date.now() + CONSOLE_SETUP_TIMEOUT_MS;
  for (;;) {
    const build = await runProcess('the console build', process.execPath, [nextBin, 'build', '--webpack'], {
      cwd: consoleDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
    if (build.code === 0) return markConsoleBuilt();
    const output = `${build.stdout}\n${build.stderr}`;
    if (!output.includes('Another next build process is already running') || Date.now() > giveUpAt) {
      throw new Error(`next build failed (exit ${build.code ?? build.signal}):\n${build.stdout.slice(-4_000)}\n${build.stderr.slice(-4_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

/**
 * A private copy of the console's build, taken under the build lock, for one `next start`: another
 * test run on this checkout rebuilds `apps/console/.next` whenever a console source changed, and a
 * build replacing the files under a running server loses its pages and stylesheets mid-test
 * (unstyled pages, 404s). The copy sits under test/artifacts (ignored by git), where Node finds the
 * workspace's packages as from the app itself; `stop()` removes it.
 */
async function snapshotBuild(): Promise<string> {
  const release = await lockfile.lock(consoleDir, {
    lockfilePath: buildLockFile,
    stale: 30_000,
    update: 15_000,
    retries: { retries: 1_000, minTimeout: 1_000, maxTimeout: 1_000 },
  });
  try {
    if (await consoleBuildNeeded()) await buildConsole();
    const root = path.join(repoRoot, 'test/artifacts/console-builds');
    await mkdir(root, { recursive: true });
    const dir = await mkdtemp(path.join(root, 'build-'));
    const cache = path.join(consoleDir, '.next', 'cache');
    await cp(path.join(consoleDir, '.next'), path.join(dir, '.next'), { recursive: true, filter: (source) => source !== cache });
    for (const file of ['next.config.ts', 'package.json']) await cp(path.join(consoleDir, file), path.join(dir, file));
    return dir;
  } finally {
    await release();
  }
}

/**
 * The time limit for a hook that starts the console: `startConsole` first builds a stale console
 * (once a run, under the build lock the other worker waits on), which takes ~45 s on an idle
 * machine and several minutes on a busy one.
 */
export const CONSOLE_SETUP_TIMEOUT_MS = 900_000;

export interface RunningConsole {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** `next start` of the built console on a free port, against the given database and Temporal task queue. */
export async function startConsole(env: { DATABASE_URL: string; TEMPORAL_ADDRESS: string; TEMPORAL_TASK_QUEUE: string } & Record<string, string>): Promise<RunningConsole> {
  const dir = await snapshotBuild();
  const [port] = await freePorts(1);
  // "localhost": the name `next start` gives itself in the forwarded headers Auth.js builds its OIDC redirects from.
  const url = `http://localhost:${port}`;
  const { child, exited: childExited } = await startProcess('next start (console)', process.execPath, [nextBin, 'start', '-p', String(port)], {
    cwd: dir,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: '1', AUTH_SECRET: 'e2e-secret-e2e-secret-e2e-secret-e2e', AIRLOCK_PUBLIC_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = childExited.then(() => undefined);
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`next start exited early:\n${log}`);
      try {
        if ((await fetch(`${url}/sign-in`)).ok) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    // Nobody gets a handle to stop it: do it here, so a failed start leaves no server or copy behind.
    await stop();
    throw error;
  }
  return {
    url,
    output: () => log,
    stop,
  };
}
