import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileErrorReason } from './errors.js';

// The CLI's `--out: cannot create /x: no such file or directory`: the reason comes from the error's
// code, so it holds whatever wording Node gives the error's message.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-file-error-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );

describe('fileErrorReason', () => {
  it('words a real file-system failure by its code, without the path Node’s message repeats', async () => {
    const file = path.join(dir, 'file');
    await writeFile(file, '');
    expect(fileErrorReason(await failureOf(readFile(path.join(dir, 'missing'))))).toBe('no such file or directory');
    expect(fileErrorReason(await failureOf(readFile(dir)))).toBe('illegal operation on a directory');
    expect(fileErrorReason(await failureOf(readFile(path.join(file, 'below'))))).toBe('not a directory');
  });

  it('reads the code, not the message: a reworded message or one from another layer still gets the system’s wording', () => {
    const coded = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(fileErrorReason(coded('EACCES', 'open failed for /srv/keys/audit.pem'))).toBe('permission denied');
    expect(fileErrorReason(coded('EROFS', 'EROFS: read-only file system, open /mnt/ro/x'))).toBe('read-only file system');
    expect(fileErrorReason(coded('ENOTDIR', 'not a directory'))).toBe('not a directory');
    expect(fileErrorReason(coded('EISDIR', 'EISDIR: illegal operation on a directory, read'))).toBe('illegal operation on a directory');
  });

  it('says anything without a system error code as its message', () => {
    expect(fileErrorReason(Object.assign(new Error('checkpoint line 3 is not JSON'), { code: 'ERR_AIRLOCK_OWN' }))).toBe('checkpoint line 3 is not JSON');
    expect(fileErrorReason(new Error('ENOENT: looks like a system error, open'))).toBe('ENOENT: looks like a system error, open');
    expect(fileErrorReason('gone')).toBe('gone');
  });
});
