import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KillPoint } from '@airlock/activities';
import { awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { createBudget, verifyAuditChain } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest } from '../support/actions.js';
import { auditTypes, budgetBooks, CrashRig } from './crash-rig.js';

// The timeout path: no one decides, the round escalates (admins join) and then its deadline
// passes: the round closes as timed out (closeApproval: its status, then approval.timed_out) and
// the action ends expired, its budget released (completeAction). The worker SIGKILLs itself
// before, between and after each of these writes, the Temporal server is SIGKILLed right after
// (`npm start` dies whole), both start again, and the action must end expired exactly once:
// one escalation row, one approval.timed_out, one action.completed, in that order, the
// reservation released once, the tool never run, and the outcome never changing afterwards.
const POINTS: readonly KillPoint[] = [
  'escalate.before-write',
  'escalate.between-writes',
  'escalate.after-write',
  'close.before-write',
  'close.between-writes',
  'close.after-write',
  'complete.before-write',
  'complete.after-write',
];

// The escalation is timed from when the workflow reaches the round, the deadline from admission: the 4 s
// between them leave that much for admission to hand the round to the workflow (an escalation timed at or
// past the deadline is dropped). Each case waits out the deadline, so nothing longer.
const POLICY = `apiVersion: airlock/v1
rules:
  - id: refunds
    tools: [payments.refund]
    tier: high
    outcome: require_approval
    reason: refunds need a person
    approval: { role: approver, deadline: 5s, timeout: deny, escalation: [{ after: 1s, to: "role:admin" }] }
`;

let rig: CrashRig;
let policyDir: string;
const taskQueue = 'airlock-timeout-crash';

beforeAll(async () => {
  policyDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-timeout-crash-'));
  const policyFile = path.join(policyDir, 'policy.yaml');
  await writeFile(policyFile, POLICY);
  rig = await CrashRig.create(taskQueue, { policyFile, order: [...POINTS, ...RACED] });
  await createBudget(rig.database.db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100000.00' });
});

afterAll(async () => {
  await rig?.close();
  if (policyDir) await rm(policyDir, { recursive: true, force: true });
});

async function snapshot(actionId: string) {
  const { db } = rig.database;
  const action = await db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true, outcome: true, completedAt: true } });
  const approvals = await db.prisma.approval.findMany({ where: { actionId }, select: { id: true, status: true, closedAt: true, escalationLevel: true } });
  const decisions = await db.prisma.approvalDecision.count({ where: { approvalId: { in: approvals.map((a) => a.id) } } });
  const executions = await db.prisma.toolExecution.count({ where: { actionId } });
  const ledger = await db.prisma.ledgerEntry.count({ where: { idempotencyKey: { startsWith: actionId } } });
  const reservations = await db.prisma.budgetReservation.findMany({ where: { actionId }, select: { status: true } });
  return { action, approvals, decisions, executions, ledger, reservations: reservations.map((r) => r.status), audit: await auditTypes(rig.database, actionId) };
}

const EXPIRED_TRAIL = ['action.requested', 'budget.reserved', 'action.classified', 'approval.opened', 'approval.escalated', 'approval.timed_out', 'action.completed'];

/** The action ended expired once, as the timeout says, with nothing run and nothing written twice. */
async function expectExpiredOnce(actionId: string) {
  const done = await snapshot(actionId);
  expect(done.action.status).toBe('expired');
  expect(done.action.outcome).toMatchObject({ status: 'expired', reason: expect.stringMatching(/no decision before the deadline/) });
  expect(done.approvals.map((a) => [a.status, a.escalationLevel])).toEqual([['expired', 1]]);
  expect(done.approvals[0]!.closedAt).not.toBeNull();
  expect(done.audit).toEqual(EXPIRED_TRAIL);
  expect(done.decisions).toBe(0);
  expect(done.executions).toBe(0);
  expect(done.ledger).toBe(0);
  expect(done.reservations).toEqual(['released']);
  const books = await budgetBooks(rig.database);
  expect(books.reserved).toBe(0);
  expect(books.spent).toBe(books.committed);
  expect(await verifyAuditChain(rig.database.db)).toMatchObject({ ok: true });
  return done;
}

describe('SIGKILL at every step of an approval that times out', () => {
  it.each(POINTS)(
    'kill at %s: after the restart the action ends expired once, escalated once, its budget released once',
    async (point) => {
      const progress = { phase: 'start' };
      const dying = await rig.startDying(point, progress);
      const first = await rig.connect();
      const { actionId, argsHash } = await submitAction(first.client, rig.taskQueue, refundRequest({ amount: '80.00', idempotencyKey: `timeout-${point}` }));
      progress.phase = 'waiting for the kill point';
      expect(await rig.killed(actionId, dying, point)).toBe('SIGKILL');
      await first.close();
      await rig.killServer();

      progress.phase = 'restart';
      await rig.afterRestart(async (client) => {
        const outcome = await awaitOutcome(client, actionId);
        expect(outcome).toMatchObject({ status: 'expired', actionId });
        const done = await expectExpiredOnce(actionId);

        progress.phase = 'the outcome never changes';
        await expect(decideAction(client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash })).rejects.toThrow(/no longer awaiting/);
        expect(await snapshot(actionId)).toEqual(done);
      });
    },
    900_000,
  );
});

// The round's timing-out is decided in a workflow task whose writes (the closing, the outcome)
// land before Temporal records the task: a decision sent while that task is lost with the worker
// reaches the retried task together with the timer, and must not turn a round the database already
// shows timed out (or an action it already shows expired) into an approved one that runs.
const RACED: readonly KillPoint[] = ['close.after-write', 'complete.after-write'];

describe('a decision sent while the worker that timed the round out is dead', () => {
  it.each(RACED)(
    'kill at %s, approve before the restart: the action stays expired and the tool never runs',
    async (point) => {
      const progress = { phase: 'start' };
      const dying = await rig.startDying(point, progress);
      const { client, close } = await rig.connect();
      try {
        const { actionId, argsHash } = await submitAction(client, rig.taskQueue, refundRequest({ amount: '80.00', idempotencyKey: `timeout-raced-${point}` }));
        progress.phase = 'waiting for the kill point';
        expect(await rig.killed(actionId, dying, point)).toBe('SIGKILL');
        // Temporal holds the update until a worker takes the workflow's next task: the retried one, with the deadline's timer in it.
        const decided = decideAction(client, actionId, { approverId: 'bob', decision: 'approve', channel: 'api', argsHash }).then(
          () => 'accepted',
          (error: Error) => `refused: ${error.message}`,
        );

        progress.phase = 'restart';
        await rig.afterRestart(async (checker) => {
          expect(await awaitOutcome(checker, actionId)).toMatchObject({ status: 'expired', actionId });
          expect(await decided).toMatch(/^refused: /);
          await expectExpiredOnce(actionId);
        });
      } finally {
        await close();
      }
    },
    900_000,
  );
});
