import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';

const exec = promisify(execFile);
// Each test starts the CLI (tsx compiling it) twice: an upper bound for a busy machine, not a speed check.
const SLOW = { timeout: 300_000 };

/** Runs the real CLI entry point as a user would (`npm run airlock -- ...`), with no database configured. */
async function airlock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: '', TEMPORAL_ADDRESS: '', AIRLOCK_PUBLIC_URL: '', AIRLOCK_DATA_DIR: path.join(os.tmpdir(), `airlock-cli-no-data-${process.pid}`) },
      timeout: 120_000,
      killSignal: 'SIGKILL',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('airlock audit verify --file with --threads', SLOW, () => {
  it('is refused naming both options: an export is verified on one thread, so the threads asked for would go unused without a word', async () => {
    // A well-formed export of an empty chain: it verifies alone, so the refusal below is the options', not the file's.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-cli-'));
    const file = path.join(dir, 'export.jsonl');
    await writeFile(file, `${JSON.stringify({ format: 'airlock-audit-export', version: 1, exportedAt: '2026-12-06T00:00:00.000Z' })}\n`);
    expect(await airlock('audit', 'verify', '--file', file)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^verified: 0 rows/), stderr: '' });

    expect(await airlock('audit', 'verify', '--file', file, '--threads', '4')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'airlock: --threads cannot be used with --file: --threads sets the worker threads checking the database chain, and an export file is verified line by line on one thread; drop --threads\n',
    });
  });
});
