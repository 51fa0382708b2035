import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { actionHandle, awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createAgent, verifyAuditChain } from '@airlock/db';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { retriedActivities, waitUntil } from '../scale/temporal-views.js';
import { RELEASE_FILE, RUNS_FILE } from './held-tools.js';

// A rolling restart: a worker gets SIGTERM while it runs a tool, and another worker serves the same task queue.
// The stopping worker waits its shutdown grace time (10 s, apps/worker/src/worker.ts), then the SDK aborts the
// tool's signal (WORKER_SHUTDOWN); Temporal retries the activity on the other worker. The action must end
// executed, its tool run once to success under one key, never recorded cancelled: nobody cancelled it.
// The tool is held open (demo.held, held-tools.ts) until the stopping worker has exited, so the shutdown always
// lands mid-run whatever the machine's speed. A cancellation the workflow asks for still ends the run cancelled.

const POLICY = `apiVersion: airlock/v1
rules:
  - id: held
    tools: [demo.held]
    tier: low
    outcome: allow
    reason: the test's held tool only waits
`;
const AGENT = 'shutdown-bot';
/** Upper bounds, not speed checks: two worker starts (tsx compiling each) at a high load, then the 10 s grace. */
const START_TIMEOUT_MS = 600_000;
const TEST_TIMEOUT_MS = 300_000;

let database: TestDatabase;
let dir: string;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];
const taskQueue = `airlock-worker-shutdown-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-worker-shutdown-'));
  const policyFile = path.join(dir, 'policy.yaml');
  await writeFile(policyFile, POLICY);
  database = await createTestDatabase();
  await createAgent(database.db, { id: AGENT, team: 'shutdown', allowedTools: ['demo.*'] });
  const temporalAddress = inject('temporalAddress');
  const toolsModule = fileURLToPath(new URL('./held-tools.ts', import.meta.url));
  const settings = { temporalAddress, databaseUrl: database.url, taskQueue, policyFile, toolsModule, workflowBundlePath: inject('workflowBundlePath') };
  workers.push(...(await Promise.all([startWorkerProcess(settings), startWorkerProcess(settings)])));
  connection = await Connection.connect({ address: temporalAddress });
  client = new Client({ connection });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGTERM')));
  await connection?.close();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A directory of its own for one case's `demo.held` (its release file, its runs log). */
async function heldDir(name: string): Promise<string> {
  const held = path.join(dir, name);
  await mkdir(held);
  return held;
}

const runLines = async (held: string) => (await readFile(path.join(held, RUNS_FILE), 'utf8').catch(() => '')).split('\n').filter(Boolean);

const startedOn = (held: string) => waitUntil(async () => (await runLines(held)).find((line) => line.startsWith('started ')), 120_000, 'demo.held started on a worker');

const showWorkers = () =>
  onTestFailed(() => {
    for (const w of workers) console.error(`worker ${w.identity} output:\n${w.output().split('\n').slice(-60).join('\n')}`);
  });

describe('a worker stopped by SIGTERM while it runs a tool', () => {
  it(
    'hands the run to another worker after its grace time: executed once, never recorded cancelled',
    async () => {
      showWorkers();
      const held = await heldDir('shutdown');
      const { actionId } = await submitAction(client, taskQueue, {
        agentId: AGENT,
        tool: 'demo.held',
        args: { dir: held },
        rationale: 'rolling restart',
        idempotencyKey: 'held-1',
      });

      const started = await startedOn(held);
      const victim = workers.find((w) => `started ${w.pid}` === started)!;
      const survivor = workers.find((w) => w !== victim)!;
      expect(victim).toBeDefined();

      victim.process.kill('SIGTERM');
      // A clean stop: the SDK aborted the held tool at the end of the grace time, and the attempt ended.
      expect(await victim.exited).toMatchObject({ code: 0 });
      expect(await runLines(held)).toContain(`aborted ${victim.pid}`);
      await writeFile(path.join(held, RELEASE_FILE), '');

      expect(await awaitOutcome(client, actionId)).toMatchObject({ status: 'executed', output: { dir: held } });
      expect((await runLines(held)).filter((line) => line.startsWith('finished '))).toEqual([`finished ${survivor.pid}`]);
      const history = await retriedActivities(actionHandle(client, actionId));
      expect(history.at(-1)).toMatchObject({ identity: survivor.identity, attempt: expect.any(Number) });
      expect(history.at(-1)!.attempt).toBeGreaterThanOrEqual(2);

      const { db } = database;
      expect(await db.prisma.toolExecution.findMany({ where: { actionId }, select: { status: true } })).toEqual([{ status: 'succeeded' }]);
      const audit = (await db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type);
      expect(audit.filter((type) => type.startsWith('tool.'))).toEqual(['tool.started', 'tool.succeeded']);
      expect(audit.at(-1)).toBe('action.completed');
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a tool run whose workflow is cancelled on a worker process', () => {
  // The other side of the line drawn above: a cancellation the server delivers for the workflow (an operator's cancel,
  // as a kill switch's) reaches the tool through the same signal, and still ends the run cancelled.
  it(
    'still ends the run cancelled',
    async () => {
      showWorkers();
      const held = await heldDir('cancel');
      const { actionId } = await submitAction(client, taskQueue, { agentId: AGENT, tool: 'demo.held', args: { dir: held }, rationale: 'cancelled', idempotencyKey: 'held-2' });
      const started = await startedOn(held);

      await actionHandle(client, actionId).cancel();
      expect(await awaitOutcome(client, actionId)).toMatchObject({ status: 'cancelled' });
      // The workflow does not wait for the attempt (TRY_CANCEL): the run's own record follows once the tool has stopped.
      const { db } = database;
      const run = await waitUntil(
        async () => (await db.prisma.toolExecution.findFirst({ where: { actionId, status: { not: 'running' } }, select: { status: true } })) ?? undefined,
        60_000,
        'the run recorded as ended',
      );
      expect(run).toEqual({ status: 'cancelled' });
      expect(await runLines(held)).toEqual([started, `aborted ${started.split(' ')[1]}`]);
      const audit = (await db.prisma.auditEvent.findMany({ where: { actionId, type: { startsWith: 'tool.' } }, orderBy: { seq: 'asc' } })).map((e) => e.type);
      expect(audit).toEqual(['tool.started', 'tool.cancelled']);
    },
    TEST_TIMEOUT_MS,
  );
});
