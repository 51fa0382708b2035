import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runProcess, SpawnError, startProcess } from '@airlock/core/spawn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnChild } from '../support/child.js';

// A child that never starts is an 'error' event, not an exit: every spawn in the
// product and the tests goes through @airlock/core/spawn, which turns it into a
// prompt rejection naming what could not be started and why.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-spawn-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startProcess', () => {
  it('rejects at once with ENOENT, naming what and which file, when the program does not exist', async () => {
    const missing = path.join(dir, 'no-such-program');
    const error = await startProcess('the Temporal dev server', missing, []).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpawnError);
    expect(error).toMatchObject({ code: 'ENOENT', what: 'the Temporal dev server', command: missing });
    expect((error as Error).message).toBe(`could not start the Temporal dev server (${missing}): no such file, or its #! interpreter or working directory is missing`);
  });

  it('rejects with EACCES when the file may not be executed', async () => {
    const script = path.join(dir, 'not-executable');
    await writeFile(script, '#!/bin/sh\nexit 0\n');
    // Mode 0644: not even root may execute a file with no execute bit.
    await chmod(script, 0o644);
    await expect(startProcess('the console', script, [])).rejects.toMatchObject({
      code: 'EACCES',
      message: expect.stringMatching(/^could not start the console .*permission denied/),
    });
  });

  it('rejects when the working directory does not exist (a spawn error too, not an exit)', async () => {
    await expect(startProcess('a shell', '/bin/sh', ['-c', 'exit 0'], { cwd: path.join(dir, 'gone') })).rejects.toBeInstanceOf(SpawnError);
  });

  it('resolves a running child and its exit status', async () => {
    const started = await startProcess('a shell', '/bin/sh', ['-c', 'exit 3']);
    expect(started.pid).toBeGreaterThan(0);
    expect(await started.exited).toEqual({ code: 3, signal: null });
  });
});

describe('runProcess', () => {
  it('collects output and the exit code', async () => {
    expect(await runProcess('a shell', '/bin/sh', ['-c', 'read line; echo "out $line"; echo err >&2; exit 2'], { input: 'hello\n' })).toEqual({
      code: 2,
      signal: null,
      stdout: 'out hello\n',
      stderr: 'err\n',
    });
  });

  it('rejects rather than resolving when the program cannot start', async () => {
    await expect(runProcess('initdb', path.join(dir, 'missing-initdb'), [])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe("the tests' own child helper", () => {
  it('rejects at once instead of waiting for a line that can never come', async () => {
    await expect(spawnChild('PostgreSQL', path.join(dir, 'missing-postgres'), [], {})).rejects.toThrow(/could not start PostgreSQL .*no such file/);
  });
});
