import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXPORT_FORMAT } from './export-format.js';
import { ExportFormatError, verifyAuditExport } from './verify.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-export-lines-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const header = JSON.stringify({ format: EXPORT_FORMAT, version: 1, exportedAt: '2026-12-05T00:00:00.000Z' });

async function verifyLines(...lines: string[]) {
  const file = path.join(dir, 'export.jsonl');
  await writeFile(file, [header, ...lines].join('\n'));
  return verifyAuditExport(file);
}

describe('an export line that is JSON but not an object', () => {
  it.each(['null', '42', '"event"', '[]'])('%s is a format error naming the line, not a TypeError', async (line) => {
    const verifying = verifyLines(line);
    await expect(verifying).rejects.toBeInstanceOf(ExportFormatError);
    await expect(verifying).rejects.toThrow(/^line 2\b/);
  });
});
