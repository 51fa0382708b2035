import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { launch, processesUsing, type Launch } from './launcher.js';

// `npm start` with DATABASE_URL set, and the CLI in another shell without it: it found no embedded
// PostgreSQL and said to start Airlock, although Airlock was running. The launcher records which
// database it uses (never the password) until it stops, and the CLI says what to set.

const exec = promisify(execFile);
// The test server trusts local connections: a password in the URL is accepted and ignored, and must never be written down.
const SECRET = 's3cret-Pa55word';

let database: TestDatabase | undefined;
let dataDir: string | undefined;
let run: Launch | undefined;

afterAll(async () => {
  if (run && run.child.exitCode === null && run.child.signalCode === null) {
    try {
      process.kill(-run.child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (dataDir) {
    for (const leftover of await processesUsing(dataDir)) process.kill(leftover.pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
  await database?.drop();
});

async function airlock(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], { cwd: repoRoot, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm start with an external database (DATABASE_URL)', () => {
  it('the CLI without DATABASE_URL says Airlock runs on that database and to set DATABASE_URL, naming it without its password; the record goes on stop', async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-start-external-'));
    const url = new URL(database.url);
    url.username = 'postgres';
    url.password = SECRET;
    url.searchParams.set('application_name', 'airlock');
    const databaseName = url.pathname.slice(1);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AIRLOCK_DATA_DIR: dataDir,
      DATABASE_URL: url.toString(),
      // The suite's Temporal (no dev server to start), on a task queue of this test's own.
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `external-db-${process.pid}`,
      AIRLOCK_CONSOLE: 'off',
      LOG_LEVEL: 'info',
    };
    delete env.NODE_OPTIONS;
    run = await launch(env);
    onTestFailed(() => console.error(`launcher output:\n${run?.output().split('\n').slice(-150).join('\n')}`));
    await run.waitForLine(/Airlock is ready/, 240_000);
    // The first start's reset-password hint names this database, with a placeholder for its password.
    expect(run.output()).toContain(
      `DATABASE_URL='postgresql://postgres:<password>@127.0.0.1:5432/${databaseName}?application_name=airlock' npm run airlock -- users reset-password admin`,
    );
    expect(run.output()).not.toContain(SECRET);

    const record = await readFile(path.join(dataDir, 'database.json'), 'utf8');
    expect(record).not.toContain(SECRET);
    const launcherPid = Number((await readFile(path.join(dataDir, 'airlock.pid'), 'utf8')).trim());
    expect(JSON.parse(record)).toEqual({
      pid: launcherPid,
      host: '127.0.0.1',
      port: 5432,
      database: databaseName,
      url: `postgresql://postgres:<password>@127.0.0.1:5432/${databaseName}?application_name=airlock`,
    });

    // Another shell: the same data directory, no DATABASE_URL.
    const shell: NodeJS.ProcessEnv = { ...process.env, AIRLOCK_DATA_DIR: dataDir, DATABASE_URL: '', TEMPORAL_ADDRESS: '' };
    delete shell.NODE_OPTIONS;
    const refused = await airlock(shell, 'agents', 'list');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `airlock: DATABASE_URL is not set: npm start is running (pid ${launcherPid}, data directory ${dataDir}) with an external database, 127.0.0.1:5432/${databaseName}: ` +
        `set DATABASE_URL to that database's URL, as npm start has it (postgresql://postgres:<password>@127.0.0.1:5432/${databaseName}?application_name=airlock)\n`,
    );
    expect(refused.stderr).not.toContain(SECRET);
    expect(refused.stderr).not.toMatch(/start Airlock with npm start/);
    // With DATABASE_URL set, as it says, the command works.
    expect(await airlock({ ...shell, DATABASE_URL: url.toString() }, 'agents', 'list')).toMatchObject({ code: 0, stdout: expect.stringContaining('demo-agent') });

    process.kill(-run.child.pid!, 'SIGINT');
    await run.closed;
    expect(run.output()).toMatch(/Airlock stopped/);
    expect(existsSync(path.join(dataDir, 'database.json'))).toBe(false);
    // Stopped: the CLI no longer says it is running.
    expect((await airlock(shell, 'agents', 'list')).stderr).toMatch(/^airlock: DATABASE_URL is not set: no embedded database of npm start is running/);
  }, 400_000);
});
