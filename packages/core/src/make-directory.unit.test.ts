import { mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirectory } from './make-directory.js';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'airlock-make-directory-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('makeDirectory', () => {
  it('makes every missing parent, with the mode asked for, and accepts a directory that exists', async () => {
    const dir = path.join(scratch, 'a', 'b', 'c');
    await makeDirectory(dir, { mode: 0o700 });
    for (const made of [path.join(scratch, 'a'), path.join(scratch, 'a', 'b'), dir]) expect((await stat(made)).mode & 0o777).toBe(0o700);
    await makeDirectory(dir);
  });

  // Node 20's own recursive mkdir never settles on these (the test would time out).
  it('fails at once where a parent exists but cannot hold the child (/proc)', async () => {
    await expect(makeDirectory('/proc/airlock-test/logs')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails at once under a dangling symlink', async () => {
    await symlink(path.join(scratch, 'gone'), path.join(scratch, 'link'));
    await expect(makeDirectory(path.join(scratch, 'link', 'x'))).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('refuses a file in the way', async () => {
    await writeFile(path.join(scratch, 'file'), '');
    await expect(makeDirectory(path.join(scratch, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(makeDirectory(path.join(scratch, 'file', 'x'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
