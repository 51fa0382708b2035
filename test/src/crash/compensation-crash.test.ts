import type { KillPoint } from '@airlock/activities';
import { PLAN_TOOL, type ActionRequestInput, type PlanStep } from '@airlock/core';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createBudget, verifyAuditChain } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTypes, budgetBooks, countOf, CrashRig } from './crash-rig.js';

// Compensations: a plan's later step fails, so the steps before it are undone in reverse order
// (workflows/src/plan.ts, compensateStep). The worker SIGKILLs itself before a step's undo (its side
// effect), between the undo and its audit row, and after the row (or around the row of a step that
// has nothing to undo), starts again, and the plan must end failed once, every completed step undone
// once (the refund's ledger entry reversed, at the instant of its one reversal), each compensation
// audited once, in the order of an uncrashed run of the same plan, and the budget released once.
//
// A compensation heartbeats every second: a killed attempt is retried once its heartbeat timeout
// (15 seconds) passes, so each case takes at least that long.

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

let rig: CrashRig;
const taskQueue = 'airlock-compensation-crash';
/** The audit trail of each shape run without a crash: what every crashed run must end with. */
const reference = new Map<Shape, string[]>();

const plan = (steps: PlanStep[], key: string): ActionRequestInput => ({ agentId: 'billing-bot', tool: PLAN_TOOL, args: { steps }, rationale: 'batch', idempotencyKey: key });

beforeAll(async () => {
  rig = await CrashRig.create(taskQueue);
  await createBudget(rig.database.db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100000.00' });
  await rig.afterRestart(async (client) => {
    for (const shape of Object.keys(SHAPES) as Shape[]) {
      const key = `reference-${Object.keys(SHAPES).indexOf(shape)}`;
      const { actionId } = await submitAction(client, taskQueue, plan(SHAPES[shape](key), key));
      expect(await awaitOutcome(client, actionId)).toMatchObject({ status: 'failed' });
      reference.set(shape, await auditTypes(rig.database, actionId));
    }
  });
}, 600_000);

afterAll(async () => {
  await rig?.close();
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
      const { actionId } = await submitAction(first.client, taskQueue, plan(SHAPES[shape](key), key));
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
        expect((await submitAction(client, taskQueue, plan(SHAPES[shape](key), key))).created).toBe(false);
        expect(await awaitOutcome(client, actionId)).toEqual(outcome);
        expect(await snapshot(actionId)).toEqual(done);
      });
    },
    900_000,
  );
});
