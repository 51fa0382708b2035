import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { appendAudit, checkpointIfDue, checkpointSigner } from '@airlock/db';
import { readWorkerEnv } from '@airlock/worker/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { spawnChild, type Child } from '../support/child.js';
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
    // The variable it prints for the worker is the one the worker reads.
    const [, variable, keyFile] = /for the worker: (\w+)=(\S+)\)/.exec(keygen.stdout) ?? [];
    expect(readWorkerEnv({ TEMPORAL_ADDRESS: '127.0.0.1:7233', DATABASE_URL: 'postgresql://x@127.0.0.1/x', [variable!]: keyFile })).toMatchObject({
      AIRLOCK_AUDIT_CHECKPOINT_KEY: path.join(dir, 'audit-signing-key.pem'),
    });
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
    expect(result.stderr).toBe(`airlock: --out: cannot create ${nowhere}: no such file or directory\n`);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(await readdir(dir)).not.toContain('missing');
  });

  it('export writes a temporary file beside --out and publishes it whole: a killed or failed export leaves nothing at --out', async () => {
    const out = path.join(dir, 'in-progress.jsonl');
    const exports: Child[] = [];
    // The test holds the table so each export stops at its read of the rows, after it has started writing.
    const table = await t.db.pool.connect();
    await table.query('BEGIN');
    await table.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
    try {
      const killed = await startExport(out, exports);
      const partial = `.in-progress.jsonl.${killed.pid}.partial`;
      const killedBackend = await untilExportWaits(killed);
      expect(await readdir(dir)).not.toContain('in-progress.jsonl');
      expect(await readdir(dir)).toContain(partial);
      expect((await killed.stop('SIGKILL')).signal).toBe('SIGKILL');
      // Its backend would wait on: PostgreSQL notices a vanished client only when it next talks to it.
      expect((await t.db.pool.query<{ gone: boolean }>('SELECT pg_terminate_backend($1, 10000) AS gone', [killedBackend])).rows[0]?.gone).toBe(true);
      // What a killed export leaves is the hidden temporary file, never a partial export under the name asked for.
      expect(await readdir(dir)).not.toContain('in-progress.jsonl');
      await rm(path.join(dir, partial));

      const failed = await startExport(out, exports);
      await t.db.pool.query('SELECT pg_terminate_backend($1)', [await untilExportWaits(failed)]);
      expect((await failed.exited).code).toBe(1);
      expect(failed.output()).toMatch(/^airlock: terminating connection/m);
      expect((await readdir(dir)).filter((name) => name.includes('in-progress'))).toEqual([]);
    } finally {
      for (const child of exports) await child.stop('SIGKILL');
      await table.query('ROLLBACK');
      table.release();
    }

    expect(await airlock('audit', 'export', '--out', out)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^wrote \d+ rows/) as string });
    expect((await readdir(dir)).filter((name) => name.includes('in-progress'))).toEqual(['in-progress.jsonl']);
    expect(await airlock('audit', 'verify', '--file', out)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^verified: \d+ rows/) as string });
  });
});

/** The CLI as one process (node --import tsx, no tsx parent), so a signal reaches the export itself. */
async function startExport(out: string, started: Child[]): Promise<Child> {
  const child = await spawnChild('airlock audit export', process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), 'audit', 'export', '--out', out], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: t.url, TEMPORAL_ADDRESS: '' },
  });
  started.push(child);
  return child;
}

/** Polls until the export's backend waits for the test's lock on audit_events; returns that backend's pid. */
async function untilExportWaits(child: Child): Promise<number> {
  for (;;) {
    const { rows } = await t.db.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE relation = 'audit_events'::regclass AND NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`,
    );
    if (rows[0]) return rows[0].pid;
    if (!child.isRunning()) throw new Error(`the export ended before it read the rows:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
