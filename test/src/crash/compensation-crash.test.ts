import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KillPoint } from '@airlock/activities';
import { PLAN_TOOL, resolveCompensationUpdate, type ActionRequestInput, type CompensationResolution, type PlanStep } from '@airlock/core';
import { actionHandle, awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { createBudget, verifyAuditChain } from '@airlock/db';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStatus } from '../support/actions.js';
import { acceptedUpdates, auditTypes, budgetBooks, countOf, CrashRig } from './crash-rig.js';
import { FIXED_FILE, RUNS_FILE } from './stubborn-undo-tools.js';

// Compensations: a plan's later step fails, so the steps before it are undone in reverse order
// (workflows/src/plan.ts, compensateStep). The worker SIGKILLs itself before a step's undo (its side
// effect), between the undo and its audit row, and after the row (or around the row of a step that
// has nothing to undo), starts again, and the plan must end failed once, every completed step undone
// once (the refund's ledger entry reversed, at the instant of its one reversal), each compensation
// audited once, in the order of an uncrashed run of the same plan, and the budget released once.
//
// A compensation heartbeats every second: a killed attempt is retried once its heartbeat timeout
// (10 seconds, TOOL_HEARTBEAT_TIMEOUT) passes, so each case takes at least that long.
//
// A compensation that keeps failing waits for a person's answer (resolveCompensation), recorded by
// recordCompensationResolution only once Temporal accepted it. The worker SIGKILLs itself before and
// after that answer's audit row, the Temporal server is SIGKILLed right after (`npm start` dies whole),
// both start again, and the answer must be recorded once (one row, where an uncrashed run has it), the
// plan end as the answer says, nothing run or undone again, and the chain verify.

const refund = (paymentId: string): PlanStep => ({ tool: 'payments.refund', args: { paymentId, amount: '10.00', currency: 'USD', reason: 'plan' } });
const fail: PlanStep = { tool: 'demo.fail', args: { message: 'the third system said no' } };
const echo: PlanStep = { tool: 'demo.echo', args: { message: 'nothing to undo' } };

// Allowed outright (each step is): the refund runs, the failure undoes it.
const SHAPES = {
  'refund, then a failure': (key: string) => [refund(`pay-${key}`), fail],
  // Reversed, the step without a compensation (compensation.skipped) comes first, then the refund's undo.
  'refund, echo, then a failure': (key: string) => [refund(`pay-${key}`), echo, fail],
} satisfies Record<string, (key: string) => PlanStep[]>;
type Shape = keyof typeof SHAPES;

const CASES: readonly { point: KillPoint; shape: Shape }[] = [
  { point: 'compensation.before-undo', shape: 'refund, then a failure' },
  { point: 'compensation.before-write', shape: 'refund, then a failure' },
  { point: 'compensation.after-write', shape: 'refund, then a failure' },
  // Around the skipped step's row, before the refund's undo.
  { point: 'compensation.before-write', shape: 'refund, echo, then a failure' },
];

// The refund, then `demo.stubborn_undo` (its undo fails until someone fixes it by hand), then a failure: the
// stubborn step's undo fails its 3 attempts and waits for an answer; after it, the refund is undone.
type Answer = CompensationResolution['resolution'];
const RESOLUTION_CASES: readonly { point: KillPoint; answer: Answer }[] = [
  // Retried once fixed: the undo runs again and works.
  { point: 'compensation.before-resolution', answer: 'retry' },
  // Fixed by hand: the undo is not run again.
  { point: 'compensation.after-resolution', answer: 'resolved_manually' },
];
const STUBBORN_STEP = 1;

let rig: CrashRig;
let stubbornDir: string;
const taskQueue = 'airlock-compensation-crash';
/** The audit trail of each shape run without a crash: what every crashed run must end with. */
const reference = new Map<Shape, string[]>();
/** The same for each answer to the stubborn step's failing undo. */
const answeredReference = new Map<Answer, string[]>();

const plan = (steps: PlanStep[], key: string): ActionRequestInput => ({ agentId: 'billing-bot', tool: PLAN_TOOL, args: { steps }, rationale: 'batch', idempotencyKey: key });

/**
 * A plan whose second step's undo fails until `<dir>/fixed` exists, approved (the stubborn tool is in no rule) and
 * run until that undo waits for an answer; for `retry` the file is then written.
 */
async function stubbornPlan(client: Client, key: string, answer: Answer): Promise<{ actionId: string; dir: string; steps: PlanStep[] }> {
  const dir = path.join(stubbornDir, key);
  await mkdir(dir);
  const steps = [refund(`pay-${key}`), { tool: 'demo.stubborn_undo', args: { dir } }, fail];
  const { actionId, argsHash } = await submitAction(client, rig.taskQueue, plan(steps, key));
  await waitForStatus(client, actionId, (s) => s.phase === 'awaiting_approval', 120_000);
  await decideAction(client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
  await waitForStatus(client, actionId, (s) => s.phase === 'compensation_failed', 120_000);
  // Retried once someone fixed it, or fixed by hand: either way, the answer is given once the world allows it.
  if (answer === 'retry') await writeFile(path.join(dir, FIXED_FILE), '');
  return { actionId, dir, steps };
}

const answerStubborn = (client: Client, actionId: string, resolution: Answer) =>
  actionHandle(client, actionId).executeUpdate(resolveCompensationUpdate, { args: [{ approverId: 'alice', step: STUBBORN_STEP, resolution }] });

beforeAll(async () => {
  stubbornDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-compensation-crash-'));
  const toolsModule = fileURLToPath(new URL('./stubborn-undo-tools.ts', import.meta.url));
  rig = await CrashRig.create(taskQueue, { toolsModule, order: [...CASES.map((c) => c.point), ...RESOLUTION_CASES.map((c) => c.point)] });
  await createBudget(rig.database.db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100000.00' });
  await rig.afterRestart(async (client) => {
    const shapes = (Object.keys(SHAPES) as Shape[]).map(async (shape) => {
      const key = `reference-${Object.keys(SHAPES).indexOf(shape)}`;
      const { actionId } = await submitAction(client, rig.taskQueue, plan(SHAPES[shape](key), key));
      expect(await awaitOutcome(client, actionId)).toMatchObject({ status: 'failed' });
      reference.set(shape, await auditTypes(rig.database, actionId));
    });
    const answers = RESOLUTION_CASES.map(async ({ answer }) => {
      const { actionId } = await stubbornPlan(client, `reference-${answer}`, answer);
      await answerStubborn(client, actionId, answer);
      expect(await awaitOutcome(client, actionId)).toMatchObject({ status: 'failed' });
      answeredReference.set(answer, await auditTypes(rig.database, actionId));
    });
    await Promise.all([...shapes, ...answers]);
  });
}, 600_000);

afterAll(async () => {
  await rig?.close();
  if (stubbornDir) await rm(stubbornDir, { recursive: true, force: true });
});

async function snapshot(actionId: string) {
  const { db } = rig.database;
  const action = await db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true, outcome: true, completedAt: true } });
  const ledger = await db.prisma.ledgerEntry.findMany({ where: { idempotencyKey: { startsWith: `${actionId}:` } }, select: { idempotencyKey: true, reversedAt: true } });
  const reservations = await db.prisma.budgetReservation.findMany({ where: { actionId }, select: { status: true } });
  return { action, ledger, reservations: reservations.map((r) => r.status), audit: await auditTypes(rig.database, actionId) };
}

describe('SIGKILL at every step of a compensation', () => {
  it.each(CASES)(
    'kill at $point ($shape): the plan ends failed once, each completed step undone once',
    async ({ point, shape }) => {
      const progress = { phase: 'start' };
      const dying = await rig.startDying(point, progress);
      const first = await rig.connect();
      // The case's index keeps the refund's payment id within its 64 characters.
      const key = `compensation-${CASES.findIndex((c) => c.point === point && c.shape === shape)}`;
      const { actionId } = await submitAction(first.client, rig.taskQueue, plan(SHAPES[shape](key), key));
      progress.phase = 'waiting for the kill point';
      expect(await rig.killed(actionId, dying, point)).toBe('SIGKILL');
      await first.close();

      progress.phase = 'restart';
      await rig.afterRestart(async (client) => {
        const outcome = await awaitOutcome(client, actionId);
        expect(outcome).toMatchObject({
          status: 'failed',
          error: expect.stringMatching(/ failed: the third system said no; rolled back: .*step 1 \(payments\.refund\) compensated$/),
        });
        const done = await snapshot(actionId);
        expect(done.action.status).toBe('failed');
        expect(done.action.outcome).toMatchObject({ status: 'failed' });
        // The refund ran once and was undone once.
        expect(done.ledger).toEqual([{ idempotencyKey: `${actionId}:step:0`, reversedAt: expect.any(Date) }]);
        expect(done.audit).toEqual(reference.get(shape));
        expect(countOf(done.audit, ['compensation.succeeded', 'compensation.failed', 'action.completed'])).toEqual({
          'compensation.succeeded': 1,
          'compensation.failed': 0,
          'action.completed': 1,
        });
        expect(done.audit.at(-1)).toBe('action.completed');
        expect(done.reservations.every((s) => s === 'released')).toBe(true);
        const books = await budgetBooks(rig.database);
        expect(books.reserved).toBe(0);
        expect(books.spent).toBe(books.committed);
        expect(await verifyAuditChain(rig.database.db)).toMatchObject({ ok: true });

        progress.phase = 'the outcome never changes';
        // Submitting the same plan again is the same action: nothing runs or is undone again.
        expect((await submitAction(client, rig.taskQueue, plan(SHAPES[shape](key), key))).created).toBe(false);
        expect(await awaitOutcome(client, actionId)).toEqual(outcome);
        expect(await snapshot(actionId)).toEqual(done);
      });
    },
    900_000,
  );
});

describe('SIGKILL around the record of an answer to a failing compensation', () => {
  it.each(RESOLUTION_CASES)(
    'kill at $point, answered $answer: the answer is recorded once and the plan ends as it says, nothing run again',
    async ({ point, answer }) => {
      const progress = { phase: 'start' };
      const dying = await rig.startDying(point, progress);
      const first = await rig.connect();
      progress.phase = 'until the compensation waits for an answer';
      const { actionId, dir, steps } = await stubbornPlan(first.client, `resolution-${answer}`, answer);

      progress.phase = 'answering until the kill point';
      const sent = answerStubborn(first.client, actionId, answer).then(
        () => 'answered' as const,
        () => 'failed' as const,
      );
      expect(await rig.killed(actionId, dying, point)).toBe('SIGKILL');
      await rig.killServer();
      // Killed inside the answer's write: the update never completed.
      expect(await sent).toBe('failed');
      await first.close();

      progress.phase = 'restart';
      await rig.afterRestart(async (client) => {
        // The write is scheduled only by the task that accepted the answer: Temporal holds it across both kills.
        expect(await acceptedUpdates(client, actionId, resolveCompensationUpdate.name)).toHaveLength(1);
        const outcome = await awaitOutcome(client, actionId);
        const stubborn = answer === 'retry' ? 'step 2 (demo.stubborn_undo) compensated' : 'step 2 (demo.stubborn_undo) resolved by hand by alice';
        expect(outcome).toMatchObject({
          status: 'failed',
          error: expect.stringContaining(`failed: the third system said no; rolled back: ${stubborn}, step 1 (payments.refund) compensated`),
        });
        const done = await snapshot(actionId);
        expect(done.action.status).toBe('failed');
        // Once each: the answer's row (by alice), in the chain where an uncrashed run has it.
        expect(done.audit).toEqual(answeredReference.get(answer));
        expect(countOf(done.audit, ['compensation.resolution', 'compensation.failed', 'compensation.succeeded', 'action.completed'])).toEqual({
          'compensation.resolution': 1,
          'compensation.failed': 3,
          'compensation.succeeded': answer === 'retry' ? 2 : 1,
          'action.completed': 1,
        });
        const rows = await rig.database.db.prisma.auditEvent.findMany({ where: { actionId, type: 'compensation.resolution' }, select: { actor: true, payload: true } });
        expect(rows).toEqual([{ actor: 'user:alice', payload: expect.objectContaining({ step: STUBBORN_STEP, resolution: answer }) }]);
        // Nothing run again: each step once, the stubborn undo's 3 failed attempts, then (retried) its one success.
        expect(await runsOf(dir)).toEqual(['ran', 'undo failed', 'undo failed', 'undo failed', ...(answer === 'retry' ? ['undone'] : [])]);
        expect(done.ledger).toEqual([{ idempotencyKey: `${actionId}:step:0`, reversedAt: expect.any(Date) }]);
        expect(done.reservations.every((s) => s === 'released')).toBe(true);
        const books = await budgetBooks(rig.database);
        expect(books.reserved).toBe(0);
        expect(books.spent).toBe(books.committed);
        expect(await verifyAuditChain(rig.database.db)).toMatchObject({ ok: true });

        progress.phase = 'the outcome never changes';
        await expect(answerStubborn(client, actionId, answer)).rejects.toThrow();
        expect((await submitAction(client, rig.taskQueue, plan(steps, `resolution-${answer}`))).created).toBe(false);
        expect(await awaitOutcome(client, actionId)).toEqual(outcome);
        expect(await snapshot(actionId)).toEqual(done);
        expect(await runsOf(dir)).toHaveLength(answer === 'retry' ? 5 : 4);
      });
    },
    900_000,
  );
});

async function runsOf(dir: string): Promise<string[]> {
  return (await readFile(path.join(dir, RUNS_FILE), 'utf8')).split('\n').filter(Boolean);
}
