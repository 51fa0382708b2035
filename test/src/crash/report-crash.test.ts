import type { KillPoint } from '@airlock/activities';
import { reportAgentRun, waitForAuthorization } from '@airlock/core/agent-gateway';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createBudget, verifyAuditChain } from '@airlock/db';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, waitForStatus } from '../support/actions.js';
import { acceptedUpdates, auditTypes, budgetBooks, countOf, CrashRig } from './crash-rig.js';

// The gate-only report path: the agent ran the tool itself and reports how it went
// (workflows/src/agent-run.ts, recordAgentReport, then the completion). The worker SIGKILLs itself
// before, between and after the report's writes and around the outcome's commit; the Temporal
// server is SIGKILLed right after (as `npm start` dies whole, losing updates not yet accepted);
// both start again. The report is then either applied (recorded once, the outcome executed, the
// budget committed once) or visibly not applied (no execution row, no tool.reported: the action
// still waits for the report, and reporting again closes it), never half of it.
const POINTS: readonly KillPoint[] = ['report.before-write', 'report.between-writes', 'report.after-write', 'complete.before-write', 'complete.after-write'];

let rig: CrashRig;
const taskQueue = 'airlock-report-crash';

beforeAll(async () => {
  rig = await CrashRig.create(taskQueue, { order: [...POINTS, 'complete.after-write'] });
  // Money reserved at admission, committed by the report's completion (or released if it never came).
  await createBudget(rig.database.db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100000.00' });
});

afterAll(async () => {
  await rig?.close();
});

async function snapshot(actionId: string) {
  const { db } = rig.database;
  const action = await db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true, outcome: true, completedAt: true } });
  const executions = await db.prisma.toolExecution.findMany({ where: { actionId }, select: { status: true, result: true } });
  const reservations = await db.prisma.budgetReservation.findMany({ where: { actionId }, select: { status: true, amount: true, actualAmount: true } });
  return { action, executions, reservations, audit: await auditTypes(rig.database, actionId) };
}

const acceptedReports = (client: Client, actionId: string) => acceptedUpdates(client, actionId, 'report');

describe('SIGKILL at every step of a gate-only report', () => {
  it.each(POINTS)(
    'kill at %s: the report is recorded once with one outcome, or visibly not at all',
    async (point) => {
      const progress = { phase: 'start' };
      const dying = await rig.startDying(point, progress);
      const first = await rig.connect();
      // Allowed outright (refunds up to 50.00): authorized at once, 10.00 of the budget reserved.
      const request = refundRequest({ amount: '10.00', idempotencyKey: `report-${point}`, execution: 'agent', reportWithinMs: 60 * 60_000 });
      const { actionId } = await submitAction(first.client, rig.taskQueue, request);
      progress.phase = 'awaiting the authorization';
      const state = await waitForAuthorization(first.client, actionId, 180_000);
      if (state.state !== 'authorized') throw new Error(`not authorized: ${JSON.stringify(state)}`);
      const report = { authorizationId: state.authorization.authorizationId, args: request.args, status: 'succeeded' as const, output: { entryId: 'agent-run-1' } };

      progress.phase = 'reporting until the kill point';
      const sent = reportAgentRun(first.client, actionId, report).then(
        () => 'answered' as const,
        () => 'failed' as const,
      );
      expect(await rig.killed(actionId, dying, point)).toBe('SIGKILL');
      await rig.killServer();
      const firstAnswer = await sent;
      await first.close();

      progress.phase = 'restart';
      await rig.afterRestart(async (client) => {
        const accepted = await acceptedReports(client, actionId);
        // An answered report is a durable one.
        if (firstAnswer === 'answered') expect(accepted).toHaveLength(1);
        if (accepted.length === 0) {
          progress.phase = 'not applied: visibly waiting for the report';
          const open = await snapshot(actionId);
          expect(open.action.outcome).toBeNull();
          expect(open.action.status).toBe('running');
          expect(open.executions).toEqual([]);
          expect(open.audit).not.toContain('tool.reported');
          expect(open.audit).not.toContain('action.completed');
          expect(open.reservations.map((r) => r.status)).toEqual(['reserved']);
          // The workflow agrees (a freshly started worker may take a while to answer its first query).
          expect((await waitForStatus(client, actionId, () => true, 180_000)).phase).toBe('awaiting_report');
          progress.phase = 'reporting again';
          expect(await reportAgentRun(client, actionId, report)).toMatchObject({ status: 'executed' });
        }

        progress.phase = 'applied: recorded once';
        const outcome = await awaitOutcome(client, actionId);
        expect(outcome).toEqual({ status: 'executed', actionId, output: report.output });
        const done = await snapshot(actionId);
        expect(done.action.status).toBe('executed');
        expect(done.action.outcome).toMatchObject({ status: 'executed' });
        expect(done.executions).toEqual([{ status: 'succeeded', result: report.output }]);
        expect(countOf(done.audit, ['action.authorized', 'tool.reported', 'action.completed'])).toEqual({ 'action.authorized': 1, 'tool.reported': 1, 'action.completed': 1 });
        expect(done.audit.indexOf('action.authorized')).toBeLessThan(done.audit.indexOf('tool.reported'));
        expect(done.audit.indexOf('tool.reported')).toBeLessThan(done.audit.indexOf('action.completed'));
        expect(done.audit.at(-1)).toBe('action.completed');
        expect(done.reservations.map((r) => [r.status, r.actualAmount?.toFixed(2)])).toEqual([['committed', '10.00']]);
        expect(await acceptedReports(client, actionId)).toHaveLength(1);

        progress.phase = 'the outcome never changes';
        // The same report again gets the same answer; another one is refused; nothing is written again.
        expect(await reportAgentRun(client, actionId, report)).toEqual(outcome);
        const other = { authorizationId: report.authorizationId, args: report.args, status: 'failed' as const, error: 'it did not work' };
        await expect(reportAgentRun(client, actionId, other)).rejects.toThrow(/another result/);
        const after = await snapshot(actionId);
        expect(after).toEqual(done);
        const books = await budgetBooks(rig.database);
        expect(books.reserved).toBe(0);
        expect(books.spent).toBe(books.committed);
        expect(await verifyAuditChain(rig.database.db)).toMatchObject({ ok: true });
      });
    },
    900_000,
  );
});

// The authorization's expiry is decided in a workflow task whose write (the expired outcome, the
// budget released) lands before Temporal records the task: a report sent while that task is lost
// with the worker reaches the retried task together with the expiry's timer, and must not be
// recorded for an action the database already shows expired.
describe('a report sent while the worker that expired the authorization is dead', () => {
  it('kill at complete.after-write, report before the restart: the action stays expired, the report refused and not recorded', async () => {
    const point: KillPoint = 'complete.after-write';
    const progress = { phase: 'start' };
    const dying = await rig.startDying(point, progress);
    const { client, close } = await rig.connect();
    try {
      const request = refundRequest({ amount: '10.00', idempotencyKey: 'report-expired-raced', execution: 'agent', reportWithinMs: 5_000 });
      const { actionId } = await submitAction(client, rig.taskQueue, request);
      progress.phase = 'awaiting the authorization';
      const state = await waitForAuthorization(client, actionId, 180_000);
      if (state.state !== 'authorized') throw new Error(`not authorized: ${JSON.stringify(state)}`);
      progress.phase = 'waiting for the expiry to kill the worker';
      expect(await rig.killed(actionId, dying, point)).toBe('SIGKILL');
      // Temporal holds the update until a worker takes the workflow's next task: the retried one, with the expiry's timer in it.
      const report = { authorizationId: state.authorization.authorizationId, args: request.args, status: 'succeeded' as const, output: { entryId: 'too-late' } };
      const reported = reportAgentRun(client, actionId, report).then(
        (outcome) => `answered ${outcome.status}`,
        (error: Error) => `refused: ${error.message}`,
      );

      progress.phase = 'restart';
      await rig.afterRestart(async (checker) => {
        expect(await awaitOutcome(checker, actionId)).toMatchObject({ status: 'expired', actionId });
        expect(await reported).toMatch(/^refused: .*expired/);
        const done = await snapshot(actionId);
        expect(done.action.status).toBe('expired');
        expect(done.executions).toEqual([]);
        expect(done.audit).not.toContain('tool.reported');
        expect(countOf(done.audit, ['action.authorized', 'action.completed'])).toEqual({ 'action.authorized': 1, 'action.completed': 1 });
        expect(done.audit.at(-1)).toBe('action.completed');
        expect(done.reservations.map((r) => r.status)).toEqual(['released']);
        expect(await acceptedReports(checker, actionId)).toEqual([]);
        const books = await budgetBooks(rig.database);
        expect(books.reserved).toBe(0);
        expect(books.spent).toBe(books.committed);
        expect(await verifyAuditChain(rig.database.db)).toMatchObject({ ok: true });
      });
    } finally {
      await close();
    }
  }, 900_000);
});
