import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';

// The SIEM export file on a disk that fills (here: a file size limit, `ulimit -f`, so the write
// fails part-way with EFBIG as it does with ENOSPC): a failed batch must leave no partial line
// behind, or every reader of the file (`airlock audit verify --file`, the SIEM) stops at it.

const exec = promisify(execFile);
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-partial-append-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Three batches of about 4 KiB a row through one JsonlFileSink: 10 rows, 10 rows, 3 rows; each outcome printed as a line. */
const script = (sinkModule: string, file: string) => `
import { JsonlFileSink } from ${JSON.stringify(sinkModule)};
const sink = new JsonlFileSink({ file: ${JSON.stringify(file)} });
const row = (seq) => ({ seq, hashVersion: 2, eventKey: 'k' + seq, actionId: null, type: 'test.event', actor: 'system:test', payload: { pad: 'p'.repeat(4000) }, createdAt: '2026-01-01T00:00:00.000Z', prevHash: '0'.repeat(64), hash: '1'.repeat(64) });
const batches = [[1, 10], [11, 10], [21, 3]];
for (const [from, count] of batches) {
  try {
    await sink.deliver(Array.from({ length: count }, (_, i) => row(from + i)));
    console.log('delivered ' + from);
  } catch (error) {
    console.log('failed ' + from + ' ' + error.code);
  }
}
`;

describe('the SIEM export file sink on a full disk', () => {
  it('a batch that fails part-way leaves none of its bytes: the file stays whole lines and the next batch follows them', async () => {
    const file = path.join(dir, 'siem.jsonl');
    const child = path.join(dir, 'deliver.mts');
    await writeFile(child, script(path.join(repoRoot, 'apps/worker/src/audit-export/file-sink.ts'), file));
    // 64 KiB at most: the first batch (about 40 KiB) fits, the second stops part-way, the third fits again.
    const { stdout } = await exec('bash', ['-c', 'ulimit -f 64 && exec "$0" --import tsx "$1"', process.execPath, child], { cwd: repoRoot });
    expect(stdout.trim().split('\n')).toEqual(['delivered 1', 'failed 11 EFBIG', 'delivered 21']);
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21, 22, 23]);
  });
});
