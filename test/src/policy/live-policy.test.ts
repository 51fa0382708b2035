import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { livePolicy, policyFromFile, policyRuntimesOverview, type PolicySource } from '@airlock/console';
import { listPolicyRuntimes } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

// One live policy: a worker reports the policy it runs (policy_runtimes); the console
// shows and dry-runs exactly that, so a reload reaches both, and the Policies page
// says which version each process runs.

const REASON = 'refunds over 50.00 need an approver';

let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-live-policy-'));
});
afterAll(async () => {
  await database?.drop();
});

/** Polls `read` until `done` holds (no fixed sleeps); the worker notices a changed file within its 2 s poll. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: never happened; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the console without a worker', () => {
  it('reads the policy file afresh: an edit shows at the next read; a bad edit keeps the last good policy and says why', async () => {
    const file = path.join(dir, 'console-only.yaml');
    await copyFile(DEFAULT_POLICY_FILE, file);
    const text = await readFile(file, 'utf8');
    const source = policyFromFile(file);
    const first = await source.read();
    expect(first).toMatchObject({ origin: 'file', text });
    expect(first.policy.version).toBe(compilePolicy(text, file).version);

    const edited = text.replace(REASON, 'refunds over 50.00 need a person');
    await writeFile(file, edited);
    const second = await source.read();
    expect(second.policy.version).toBe(compilePolicy(edited, file).version);
    expect(second.policy.version).not.toBe(first.policy.version);

    await writeFile(file, 'apiVersion: airlock/v1\nrules: [\n');
    const kept = await source.read();
    expect(kept.policy.version).toBe(second.policy.version);
    expect(kept.fileError).toMatch(/console-only\.yaml/);
  });
});

describe('one live policy for the console and the workers', () => {
  let worker: WorkerProcess | undefined;
  afterAll(async () => {
    await worker?.stop('SIGKILL');
  });

  it('the console shows the version the worker runs; a reload reaches both; the page says who runs which', { timeout: 600_000 }, async () => {
    const file = path.join(dir, 'worker.yaml');
    await copyFile(DEFAULT_POLICY_FILE, file);
    const v1 = compilePolicy(await readFile(file, 'utf8'), file).version;
    // The console's own file is another one: what it shows must come from the worker.
    const consoleFile = path.join(dir, 'console-copy.yaml');
    await writeFile(consoleFile, (await readFile(DEFAULT_POLICY_FILE, 'utf8')).replace(REASON, 'a copy the console must not show'));
    const console: PolicySource = livePolicy(database.db, consoleFile);
    expect((await console.read()).origin).toBe('file');

    worker = await startWorkerProcess({
      temporalAddress: inject('temporalAddress'),
      databaseUrl: database.url,
      taskQueue: `live-policy-${randomBytes(4).toString('hex')}`,
      policyFile: file,
      workflowBundlePath: inject('workflowBundlePath'),
    });
    const [row] = await until(
      () => listPolicyRuntimes(database.db),
      (rows) => rows.length === 1,
      'the worker reports its policy',
    );
    expect(row).toMatchObject({ workerId: worker.identity, source: file, version: v1, live: true });
    const seen = await console.read();
    expect(seen).toMatchObject({ origin: 'worker', text: await readFile(file, 'utf8') });
    expect(seen.policy.version).toBe(v1);
    expect(await policyRuntimesOverview({ db: database.db, policy: console })).toMatchObject({
      mixed: false,
      workers: [{ workerId: worker.identity, version: v1, sameAsConsole: true, live: true }],
    });

    // A reload: the worker picks the edit up from the file, and the console's next read shows it.
    const edited = (await readFile(file, 'utf8')).replace(REASON, 'refunds over 50.00 need a person');
    const v2 = compilePolicy(edited, file).version;
    await writeFile(file, edited);
    const reloaded = await until(
      () => console.read(),
      (p) => p.policy.version === v2,
      'the console sees the reloaded policy',
    );
    expect(reloaded.text).toContain('refunds over 50.00 need a person');
    const [after] = await listPolicyRuntimes(database.db);
    expect(after).toMatchObject({ workerId: worker.identity, version: v2 });
    expect(after!.loadedAt.getTime()).toBeGreaterThan(row!.loadedAt.getTime());

    // A bad edit: the worker keeps v2 (and says so), and so does the console.
    await writeFile(file, 'apiVersion: airlock/v1\nrules: [\n');
    await worker.waitForLine(/policy NOT reloaded, version [0-9a-f]+ stays active/, 60_000);
    expect((await console.read()).policy.version).toBe(v2);
    expect((await listPolicyRuntimes(database.db))[0]?.version).toBe(v2);

    // Another worker still on an older version shows as different; one not seen for minutes shows as gone and is ignored.
    await database.db.pool.query(
      `INSERT INTO policy_runtimes (worker_id, source, version, text, loaded_at, seen_at) VALUES
         ('1@laggard', $1, $2, 'x', now() - interval '1 hour', now()),
         ('2@crashed', $1, 'ffffffffffffffff', 'x', now(), now() - interval '10 minutes')`,
      [file, v1],
    );
    const overview = await policyRuntimesOverview({ db: database.db, policy: console });
    expect(overview.console.policy.version).toBe(v2);
    expect(overview.mixed).toBe(true);
    expect(overview.workers.map((w) => [w.workerId, w.live, w.sameAsConsole])).toEqual(
      expect.arrayContaining([
        [worker.identity, true, true],
        ['1@laggard', true, false],
        ['2@crashed', false, false],
      ]),
    );
    await database.db.pool.query("DELETE FROM policy_runtimes WHERE worker_id IN ('1@laggard', '2@crashed')");

    // A clean stop removes the worker's row: with no worker reporting, the console reads its own file again.
    const stopped = await worker.stop('SIGTERM');
    worker = undefined;
    expect(stopped.code).toBe(0);
    expect(await listPolicyRuntimes(database.db)).toEqual([]);
    expect(await console.read()).toMatchObject({ origin: 'file', text: expect.stringContaining('a copy the console must not show') });
  });
});
