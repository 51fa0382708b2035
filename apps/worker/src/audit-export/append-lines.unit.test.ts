import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendWholeLines, dropTornTailOf, type OpenFile } from './append-lines.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-append-lines-'));
  file = path.join(dir, 'audit.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The real file, except that an append writes its first `bytes` bytes and then fails as a full disk does. */
function diskFullAfter(bytes: number): OpenFile {
  return async (target, flags, mode) => {
    const handle = await open(target, flags, mode);
    return new Proxy(handle, {
      get(real, property, receiver) {
        if (property === 'appendFile') {
          return async (text: string) => {
            await real.appendFile(Buffer.from(text).subarray(0, bytes));
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          };
        }
        const value: unknown = Reflect.get(real, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
      },
    });
  };
}

const line = (n: number) => `${JSON.stringify({ kind: 'event', seq: n, pad: 'p'.repeat(100) })}\n`;
const parsedLines = async () =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { seq: number });

describe('appendWholeLines', () => {
  it('a write that fails part-way leaves none of its bytes, so the retried batch follows whole lines', async () => {
    await appendWholeLines(file, line(1), 0o640);
    const batch = line(2) + line(3);
    await expect(appendWholeLines(file, batch, 0o640, diskFullAfter(150))).rejects.toThrow('ENOSPC');
    expect(await readFile(file, 'utf8')).toBe(line(1));
    await appendWholeLines(file, batch, 0o640);
    expect((await parsedLines()).map((l) => l.seq)).toEqual([1, 2, 3]);
  });

  it('cuts an unfinished last line (a crash mid-append) before appending, however long', async () => {
    // Longer than one read of the tail.
    const torn = `{"kind":"event","seq":2,"pad":"${'p'.repeat(200_000)}`;
    await writeFile(file, line(1) + torn);
    await appendWholeLines(file, line(2), 0o640);
    expect((await parsedLines()).map((l) => l.seq)).toEqual([1, 2]);
  });

  it('creates the file, and leaves a file of whole lines as it is', async () => {
    await appendWholeLines(file, line(1), 0o640);
    await appendWholeLines(file, line(2), 0o640);
    expect(await readFile(file, 'utf8')).toBe(line(1) + line(2));
  });
});

describe('dropTornTailOf', () => {
  it('cuts what follows the last newline, empties a file of one unfinished line, and passes over a missing file', async () => {
    await writeFile(file, `${line(1)}{"kind":"checkpoint","n":2,`);
    await dropTornTailOf(file);
    expect(await readFile(file, 'utf8')).toBe(line(1));
    await writeFile(file, '{"kind":"checkpoint"');
    await dropTornTailOf(file);
    expect(await readFile(file, 'utf8')).toBe('');
    await expect(dropTornTailOf(path.join(dir, 'absent.jsonl'))).resolves.toBeUndefined();
  });
});
