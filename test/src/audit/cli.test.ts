import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { appendAudit, checkpointIfDue, checkpointSigner } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rewriteHistory } from './support.js';
import { uncatalogued } from '../support/uncatalogued.js';

const exec = promisify(execFile);
let t: TestDatabase;
let dir: string;

/** Runs the real CLI entry point as a user would (`npm run airlock -- audit ...`). */
async function airlock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: t.url, TEMPORAL_ADDRESS: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-audit-cli-'));
});
afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

// The test starts the CLI (tsx compiling it) nine times: an upper bound for a busy machine, not a speed check.
describe('airlock audit', { timeout: 300_000 }, () => {
  it('keygen, export and verify from the database and from the export; a rewrite fails both, naming the row', async () => {
    const keygen = await airlock('audit', 'keygen', '--out', dir);
    expect(keygen.code).toBe(0);
    const keyId = /key id (ed25519:[0-9a-f]{16})/.exec(keygen.stdout)?.[1];
    expect(keyId).toBeDefined();
    expect((await stat(path.join(dir, 'audit-signing-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await airlock('audit', 'keygen', '--out', dir)).stderr).toMatch(/exists: keep the old key/);

    const signer = checkpointSigner(await readFile(path.join(dir, 'audit-signing-key.pem'), 'utf8'));
    expect(signer.keyId).toBe(keyId);
    for (let i = 0; i < 12; i++) {
      await appendAudit(t.db, uncatalogued({ eventKey: `e-${i}`, type: 'test.event', actor: 'user:alice', payload: { i } }));
      await checkpointIfDue(t.db, signer, { everyRows: 5, everySeconds: 3600 });
    }
    const pub = path.join(dir, 'audit-signing-key.pub.pem');
    const live = await airlock('audit', 'verify', '--public-key', pub);
    expect(live).toMatchObject({ code: 0, stdout: expect.stringContaining('verified: 12 rows') as string });
    expect(live.stdout).toContain('checkpoints: 2 matched, last at seq 10');
    expect(live.stdout).toContain('rows after seq 10 are not yet covered by a signed checkpoint');
    expect((await airlock('audit', 'verify')).stdout).toContain('links and hashes only');

    const before = path.join(dir, 'before.jsonl');
    expect((await airlock('audit', 'export', '--out', before)).stdout).toContain('wrote 12 rows and 2 checkpoints');
    expect(await airlock('audit', 'verify', '--file', before, '--public-key', pub)).toMatchObject({ code: 0, stdout: expect.stringContaining('verified: 12 rows') as string });

    await rewriteHistory(t.db, 7n, { i: 'rewritten' });
    const after = path.join(dir, 'after.jsonl');
    await airlock('audit', 'export', '--out', after);
    for (const args of [[], ['--file', after]]) {
      const result = await airlock('audit', 'verify', ...args, '--public-key', pub);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('first row that disagrees: seq 10');
      expect(result.stdout).toContain('rewritten somewhere from seq 6 to seq 10');
    }
  });

  it('export refuses a file that exists with one line, exit 1, and leaves the file as it was', async () => {
    const existing = path.join(dir, 'existing.jsonl');
    await writeFile(existing, 'not an export\n');
    expect(await airlock('audit', 'export', '--out', existing)).toEqual({
      code: 1,
      stdout: '',
      stderr: `airlock: --out: ${existing} already exists; choose another path or remove it\n`,
    });
    expect(await readFile(existing, 'utf8')).toBe('not an export\n');

    // A path that cannot be created is named the same way, and nothing is left behind.
    const nowhere = path.join(dir, 'missing', 'export.jsonl');
    const result = await airlock('audit', 'export', '--out', nowhere);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr.startsWith(`airlock: --out: cannot create ${nowhere}: ENOENT`)).toBe(true);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(await readdir(dir)).not.toContain('missing');
  });
});
