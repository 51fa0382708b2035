import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { appendAudit, checkpointKeyring, generateCheckpointKeyPair, listCheckpoints, readCheckpointFile, verifyAuditChain, type Db } from '@airlock/db';
import { createLogger } from '@airlock/telemetry';
import { checkpointerFromSettings, startAuditCheckpointer } from '@airlock/worker';
import { readWorkerEnv } from '@airlock/worker/env';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rewriteHistory } from './support.js';
import { uncatalogued } from '../support/uncatalogued.js';

// Issue #16: the worker signs checkpoints while the product runs and publishes
// them outside the database (a JSONL file, the log), so a superuser's rewrite is
// caught from the published copy even after the checkpoint table is emptied.

const exec = promisify(execFile);
let t: TestDatabase;
let dir: string;
let keyFile: string;
let publicKeyFile: string;
let logLines: string[];

beforeEach(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-worker-checkpoints-'));
  const pair = generateCheckpointKeyPair();
  keyFile = path.join(dir, 'key.pem');
  publicKeyFile = path.join(dir, 'key.pub.pem');
  await writeFile(keyFile, pair.privateKeyPem, { mode: 0o600 });
  await writeFile(publicKeyFile, pair.publicKeyPem);
  logLines = [];
});
afterEach(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

function logger() {
  return createLogger({
    name: 'airlock-worker',
    level: 'info',
    format: 'json',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
  });
}

function settings(file: string) {
  return { AIRLOCK_AUDIT_CHECKPOINT_KEY: keyFile, AIRLOCK_AUDIT_CHECKPOINT_FILE: file, AIRLOCK_AUDIT_CHECKPOINT_EVERY_ROWS: 10, AIRLOCK_AUDIT_CHECKPOINT_EVERY_SECONDS: 3600 };
}

async function appendRows(from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++)
    await appendAudit(t.db, uncatalogued({ eventKey: `e-${i}`, actionId: `a-${i % 3}`, type: 'test.event', actor: 'user:alice', payload: { i } }));
}

/** Polls (no fixed delay) until the file holds a checkpoint of `seq`. */
async function untilFileSigns(file: string, seq: number): Promise<void> {
  for (;;) {
    const published = await readCheckpointFile(file).catch(() => []);
    if (published.some((c) => c.seq === seq)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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

/** The superuser also covers their tracks in the database: the stored checkpoints go. */
async function emptyCheckpointTable(db: Db): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query('DELETE FROM audit_checkpoints');
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('worker audit checkpoints', () => {
  it('signs on its timer as rows are appended and publishes each checkpoint to the file and the log', async () => {
    const file = path.join(dir, 'checkpoints.jsonl');
    const checkpointer = checkpointerFromSettings(settings(file), t.db, logger());
    expect(checkpointer).toBeDefined();
    const stop = startAuditCheckpointer(checkpointer!, { tickMs: 20, logger: logger() });
    try {
      await appendRows(0, 10);
      await untilFileSigns(file, 10);
      // Appending stops at a multiple of ten, so which seq the loop signs does not depend on when it ticks.
      await appendRows(10, 10);
      await untilFileSigns(file, 20);
    } finally {
      await stop();
    }
    const published = await readCheckpointFile(file);
    expect(published.map((c) => [c.n, c.seq])).toEqual([
      [1, 10],
      [2, 20],
    ]);
    expect(await listCheckpoints(t.db)).toEqual(published);
    const logged = logLines.map((line) => JSON.parse(line) as { msg: string; auditCheckpoint?: { n: number; seq: number; signature: string } }).filter((l) => l.auditCheckpoint);
    expect(logged.map((l) => [l.auditCheckpoint!.n, l.auditCheckpoint!.seq, l.auditCheckpoint!.signature])).toEqual(published.map((c) => [c.n, c.seq, c.signature]));
  });

  it('a restart after an append cut off part-way (a crash, a full disk) publishes on: the unfinished line is cut, not read', async () => {
    const file = path.join(dir, 'checkpoints.jsonl');
    await appendRows(0, 10);
    await checkpointerFromSettings(settings(file), t.db, logger())!.tick();
    const [first] = await readCheckpointFile(file);
    await appendRows(10, 10);
    await checkpointerFromSettings(settings(file), t.db, logger())!.tick();
    // The second line as a write that stopped part-way left it.
    const whole = await readFile(file, 'utf8');
    const torn = whole.slice(0, whole.indexOf('\n') + 1 + 30);
    await writeFile(file, torn);

    const restarted = checkpointerFromSettings(settings(file), t.db, logger())!;
    await restarted.tick();
    expect((await readCheckpointFile(file)).map((c) => [c.n, c.seq])).toEqual([
      [first!.n, 10],
      [2, 20],
    ]);
    expect(await readFile(file, 'utf8')).toBe(whole);
  });

  it('the published file verifies with `airlock audit verify --checkpoints`, and catches a superuser rewrite after the table was emptied', async () => {
    const file = path.join(dir, 'checkpoints.jsonl');
    const checkpointer = checkpointerFromSettings(settings(file), t.db, logger())!;
    await appendRows(0, 10);
    await checkpointer.tick();
    await appendRows(10, 15);
    await checkpointer.tick();
    const clean = await airlock('audit', 'verify', '--checkpoints', file, '--public-key', publicKeyFile);
    expect(clean).toMatchObject({ code: 0, stdout: expect.stringContaining('verified: 25 rows') as string });
    // The second tick found 15 unsigned rows: it signed the head, seq 25.
    expect(clean.stdout).toContain('checkpoints: 2 matched, last at seq 25');

    await rewriteHistory(t.db, 14n, { i: 'rewritten' });
    await emptyCheckpointTable(t.db);
    // From the database alone the rewrite is invisible now…
    const keyring = checkpointKeyring([await readFile(publicKeyFile, 'utf8')]);
    expect(await verifyAuditChain(t.db, { keyring })).toMatchObject({ ok: true, checkedRows: 25 });
    // …the published file is not fooled.
    const caught = await airlock('audit', 'verify', '--checkpoints', file, '--public-key', publicKeyFile);
    expect(caught.code).toBe(1);
    expect(caught.stdout).toContain('first row that disagrees: seq 25');
    // Each CLI run starts tsx; 60 s was hit at load 24 (see cli.test.ts).
  }, 300_000);

  it('every worker file gets every checkpoint, whichever worker signed, and a lost append is caught up', async () => {
    const fileA = path.join(dir, 'a.jsonl');
    const fileB = path.join(dir, 'b.jsonl');
    const workerA = checkpointerFromSettings(settings(fileA), t.db, logger())!;
    const workerB = checkpointerFromSettings(settings(fileB), t.db, logger())!;
    await appendRows(0, 10);
    expect(await workerA.tick()).toMatchObject({ n: 1, seq: 10 });
    await appendRows(10, 10);
    expect(await workerB.tick()).toMatchObject({ n: 2, seq: 20 });
    expect(await workerA.tick()).toBeUndefined();
    const a = await readCheckpointFile(fileA);
    expect(a.map((c) => c.n)).toEqual([1, 2]);
    expect(await readCheckpointFile(fileB)).toEqual(a);

    // A crash between the commit and the append (simulated: the file loses its last line); a restarted worker re-reads the file and appends it again.
    const lines = (await readFile(fileA, 'utf8')).split('\n').filter(Boolean);
    await writeFile(fileA, lines[0] + '\n');
    await checkpointerFromSettings(settings(fileA), t.db, logger())!.tick();
    expect(await readCheckpointFile(fileA)).toEqual(a);
  });

  it('is off without a key, and names the problem when the file is set without one or the key is unusable', async () => {
    expect(checkpointerFromSettings({ AIRLOCK_AUDIT_CHECKPOINT_EVERY_ROWS: 10, AIRLOCK_AUDIT_CHECKPOINT_EVERY_SECONDS: 60 }, t.db, logger())).toBeUndefined();
    expect(() => checkpointerFromSettings({ ...settings(path.join(dir, 'x.jsonl')), AIRLOCK_AUDIT_CHECKPOINT_KEY: undefined }, t.db, logger())).toThrow(
      /AIRLOCK_AUDIT_CHECKPOINT_KEY is not/,
    );
    expect(() => checkpointerFromSettings({ ...settings(path.join(dir, 'x.jsonl')), AIRLOCK_AUDIT_CHECKPOINT_KEY: publicKeyFile }, t.db, logger())).toThrow(
      /cannot use .* as an Ed25519 private key/,
    );
  });

  it("reads its settings with the worker's other env: defaults, and a clear message for a bad value", () => {
    const base = { TEMPORAL_ADDRESS: '127.0.0.1:7233', DATABASE_URL: 'postgresql://x@127.0.0.1/x' };
    expect(readWorkerEnv(base)).toMatchObject({ AIRLOCK_AUDIT_CHECKPOINT_EVERY_ROWS: 1000, AIRLOCK_AUDIT_CHECKPOINT_EVERY_SECONDS: 60, AIRLOCK_AUDIT_EXPORT_BATCH: 500 });
    expect(readWorkerEnv({ ...base, AIRLOCK_AUDIT_CHECKPOINT_KEY: keyFile, AIRLOCK_AUDIT_EXPORT_OTLP_URL: 'http://127.0.0.1:4318/v1/logs' })).toMatchObject({
      AIRLOCK_AUDIT_CHECKPOINT_KEY: keyFile,
    });
    expect(() => readWorkerEnv({ ...base, AIRLOCK_AUDIT_CHECKPOINT_EVERY_ROWS: '0' })).toThrow(/AIRLOCK_AUDIT_CHECKPOINT_EVERY_ROWS/);
    expect(() => readWorkerEnv({ ...base, AIRLOCK_AUDIT_EXPORT_OTLP_URL: 'ftp://collector/v1/logs' })).toThrow(/AIRLOCK_AUDIT_EXPORT_OTLP_URL/);
  });
});
