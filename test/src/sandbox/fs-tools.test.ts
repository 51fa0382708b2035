import { access, mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ToolDefinition } from '@airlock/activities';
import { builtinTools, type FsDeleteOutput, type FsWriteOutput } from '@airlock/tools';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callTool, findTool, marker, toolContext } from './support.js';

let base: string;
let root: string;
let outside: string;
let fsWrite: ToolDefinition;
let fsDelete: ToolDefinition;

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'airlock-fs-tools-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  const tools = builtinTools({ fs: { roots: [root], backupDir: path.join(base, 'backups'), maxBytes: 1024 * 1024 } });
  fsWrite = findTool(tools, 'fs.write');
  fsDelete = findTool(tools, 'fs.delete');
});
beforeEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(outside, 'secret.txt'), 'outside content');
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const write = (p: string, content: string, key = marker('key')) => callTool(fsWrite, { path: p, content }, toolContext({ idempotencyKey: key })) as Promise<FsWriteOutput>;
const remove = (p: string, key = marker('key')) => callTool(fsDelete, { path: p }, toolContext({ idempotencyKey: key })) as Promise<FsDeleteOutput>;

describe('a root reached through a symlink', () => {
  it('writes, deletes and undoes both: the real path a run returns is confined again by its compensation', async () => {
    const linked = path.join(base, 'linked-root');
    await rm(linked, { force: true });
    await symlink(root, linked);
    const tools = builtinTools({ fs: { roots: [linked], backupDir: path.join(base, 'backups-linked'), maxBytes: 1024 * 1024 } });
    const [write, remove] = [findTool(tools, 'fs.write'), findTool(tools, 'fs.delete')];
    await writeFile(path.join(root, 'kept.txt'), 'before');

    const written = (await callTool(write, { path: 'kept.txt', content: 'after' }, toolContext({ idempotencyKey: marker('key') }))) as FsWriteOutput;
    expect(written.path).toBe(path.join(await realpath(root), 'kept.txt'));
    await write.compensate!({ path: 'kept.txt', content: 'after' }, written, toolContext());
    expect(await readFile(path.join(root, 'kept.txt'), 'utf8')).toBe('before');

    const removed = (await callTool(remove, { path: `${linked}/kept.txt` }, toolContext({ idempotencyKey: marker('key') }))) as FsDeleteOutput;
    expect(await exists(path.join(root, 'kept.txt'))).toBe(false);
    await remove.compensate!({ path: `${linked}/kept.txt` }, removed, toolContext());
    expect(await readFile(path.join(root, 'kept.txt'), 'utf8')).toBe('before');
    // The real path is inside that root too, but no further: a sibling of the real root stays refused.
    await expect(callTool(write, { path: path.join(outside, 'secret.txt'), content: 'x' }, toolContext({ idempotencyKey: marker('key') }))).rejects.toThrow(
      /outside the allowed roots/,
    );
  });
});

describe('red team: fs.write / fs.delete confinement', () => {
  it('refuses .. traversal, and nothing is written outside the root', async () => {
    await expect(write('../outside/pwned.txt', 'x')).rejects.toThrow(/path traversal \(\.\.\) refused/);
    await expect(write(`${root}/a/../../outside/pwned.txt`, 'x')).rejects.toThrow(/path traversal/);
    expect(await exists(path.join(outside, 'pwned.txt'))).toBe(false);
  });

  it('refuses absolute paths outside every root', async () => {
    await expect(write(path.join(outside, 'secret.txt'), 'overwritten')).rejects.toThrow(/outside the allowed roots/);
    await expect(write('/etc/airlock-pwned', 'x')).rejects.toThrow(/outside the allowed roots/);
    await expect(remove(path.join(outside, 'secret.txt'))).rejects.toThrow(/outside the allowed roots/);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('outside content');
    expect(await exists('/etc/airlock-pwned')).toBe(false);
  });

  it('refuses a symlinked directory that leads out of the root', async () => {
    await symlink(outside, path.join(root, 'escape'));
    await expect(write('escape/pwned.txt', 'x')).rejects.toThrow(/symlink escape refused/);
    await expect(write('escape/secret.txt', 'x')).rejects.toThrow(/symlink escape refused/);
    await expect(remove('escape/secret.txt')).rejects.toThrow(/symlink escape refused/);
    expect(await exists(path.join(outside, 'pwned.txt'))).toBe(false);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('outside content');
  });

  it('refuses to write through, or delete, a symlink planted as the file itself', async () => {
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    await expect(write('link.txt', 'overwritten')).rejects.toThrow(/is a symlink; refused/);
    await expect(remove('link.txt')).rejects.toThrow(/is a symlink; refused/);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('outside content');
    expect(await exists(path.join(root, 'link.txt'))).toBe(true);
  });

  it('refuses NUL bytes in paths at the schema', async () => {
    await expect(write('a.txt\0/../../etc/passwd', 'x')).rejects.toThrow(/NUL/);
  });
});

describe('what is allowed', () => {
  it('follows a symlink that stays inside the root', async () => {
    await mkdir(path.join(root, 'real'));
    await symlink(path.join(root, 'real'), path.join(root, 'alias'));
    const output = await write('alias/ok.txt', 'inside');
    expect(output.path).toBe(path.join(await realpath(root), 'real', 'ok.txt'));
    expect(await readFile(path.join(root, 'real', 'ok.txt'), 'utf8')).toBe('inside');
  });
});

describe('compensation', () => {
  it('restores the previous content of an overwritten file', async () => {
    await writeFile(path.join(root, 'config.txt'), 'version 1', { mode: 0o640 });
    const output = await write('config.txt', 'version 2');
    expect(output).toMatchObject({ created: false, unchanged: false });
    expect(await readFile(path.join(root, 'config.txt'), 'utf8')).toBe('version 2');
    await fsWrite.compensate!({ path: 'config.txt', content: 'version 2' }, output, toolContext());
    expect(await readFile(path.join(root, 'config.txt'), 'utf8')).toBe('version 1');
    expect((await stat(path.join(root, 'config.txt'))).mode & 0o777).toBe(0o640);
    // A repeated compensation is a no-op.
    await fsWrite.compensate!({ path: 'config.txt', content: 'version 2' }, output, toolContext());
    expect(await readFile(path.join(root, 'config.txt'), 'utf8')).toBe('version 1');
  });

  it('deletes a file the write created', async () => {
    const output = await write('nested/dir/new.txt', 'fresh');
    expect(output.created).toBe(true);
    await fsWrite.compensate!({ path: 'nested/dir/new.txt', content: 'fresh' }, output, toolContext());
    expect(await exists(path.join(root, 'nested/dir/new.txt'))).toBe(false);
  });

  it('restores a deleted file', async () => {
    await writeFile(path.join(root, 'keep.txt'), 'precious');
    const output = await remove('keep.txt');
    expect(await exists(path.join(root, 'keep.txt'))).toBe(false);
    await fsDelete.compensate!({ path: 'keep.txt' }, output, toolContext());
    expect(await readFile(path.join(root, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('refuses to clobber a file someone changed after the write: a human reconciles', async () => {
    await writeFile(path.join(root, 'shared.txt'), 'original');
    const output = await write('shared.txt', 'ours');
    await writeFile(path.join(root, 'shared.txt'), 'someone else');
    await expect(fsWrite.compensate!({ path: 'shared.txt', content: 'ours' }, output, toolContext())).rejects.toThrow(/changed after the write/);
    expect(await readFile(path.join(root, 'shared.txt'), 'utf8')).toBe('someone else');
  });
});

describe('idempotency under a worker crash between the side effect and its recording', () => {
  it('fs.write repeated with the same key does not write again, and compensation still restores the original', async () => {
    const file = path.join(root, 'report.txt');
    await writeFile(file, 'before');
    const key = marker('crash');
    const first = await write('report.txt', 'after', key);
    const afterFirst = await stat(file);
    // The worker died before recording `first`; the retry runs the tool again with the same key.
    const retry = await write('report.txt', 'after', key);
    const afterRetry = await stat(file);
    expect(retry).toMatchObject({ unchanged: true, created: false, previousSha256: first.previousSha256, backupId: first.backupId });
    expect([afterRetry.ino, afterRetry.mtimeMs]).toEqual([afterFirst.ino, afterFirst.mtimeMs]);
    // The backup is the one taken before the first write, not the retry's view of the file.
    await fsWrite.compensate!({ path: 'report.txt', content: 'after' }, retry, toolContext());
    expect(await readFile(file, 'utf8')).toBe('before');
  });

  it('fs.delete repeated with the same key is a no-op that still knows the content', async () => {
    await writeFile(path.join(root, 'old.txt'), 'old data');
    const key = marker('crash');
    const first = await remove('old.txt', key);
    const retry = await remove('old.txt', key);
    expect(retry).toEqual(first);
    await fsDelete.compensate!({ path: 'old.txt' }, retry, toolContext());
    expect(await readFile(path.join(root, 'old.txt'), 'utf8')).toBe('old data');
  });

  it('refuses a reused key with different content', async () => {
    const key = marker('crash');
    await write('a.txt', 'one', key);
    await expect(write('a.txt', 'two', key)).rejects.toThrow(/already used for a different path or content/);
    expect(await readFile(path.join(root, 'a.txt'), 'utf8')).toBe('one');
  });
});
