import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';

// `npm run lock:check`, the first step of `npm test`: `npm ci` refuses a lock that
// lacks another platform's optional package, so CI must refuse it first.

const run = promisify(execFile);
const script = path.join(repoRoot, 'tools/lock-check.mjs');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lock:check', () => {
  it('passes on the committed lock', async () => {
    const { stdout } = await run(process.execPath, [script]);
    expect(stdout).toMatch(/every optional dependency of the \d+ locked packages is in package-lock.json/);
  });

  it("fails naming the package when a platform's optional package is missing", async () => {
    const lock = JSON.parse(await readFile(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const dropped = Object.keys(lock.packages).find((key) => key.startsWith('node_modules/@next/swc-darwin-'));
    expect(dropped).toBeDefined();
    delete lock.packages[dropped!];
    const file = path.join(dir, 'package-lock.json');
    await writeFile(file, JSON.stringify(lock));
    const failure = await run(process.execPath, [script, file]).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`${dropped!.slice('node_modules/'.length)}@`);
    expect(failure?.stderr).toContain('(optional dependency of node_modules/next)');
  });
});
