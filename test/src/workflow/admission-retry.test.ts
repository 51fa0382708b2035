import { createAgent, createBudget, releaseBudget, reserveBudget, resume, suspend, verifyAuditChain } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionInput, refundRequest } from '../support/actions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';
import { seededActivities } from '../support/seeded-activities.js';

// Admission commits everything it decides in one transaction. These tests call the
// activity twice with the same input, as Temporal does when a worker dies after the
// commit but before reporting the result: the retry must follow the first decision.

let database: TestDatabase;
let admitAndRun: ReturnType<typeof seededActivities>['admitAndRun'];

beforeAll(async () => {
  database = await createTestDatabase();
  await seedTeam(database.db);
  ({ admitAndRun } = seededActivities(database.db));
});
afterAll(async () => {
  await database?.drop();
});

const smallRefund = () => admissionInput('retry-test', refundRequest({ amount: '20.00' }));

async function rowsFor(actionId: string) {
  const { db } = database;
  return {
    ledger: await db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${actionId}:run` } }),
    rateEvents: await db.prisma.rateEvent.count({ where: { actionId } }),
    audit: (await db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } })).map((e) => e.type),
    action: await db.prisma.action.findUniqueOrThrow({ where: { id: actionId }, select: { status: true } }),
  };
}

describe('a retried admission', () => {
  it('returns the committed decision and never runs the tool twice, even if the kill switch engaged in between', async () => {
    const input = smallRefund();
    const first = await admitAndRun(input);
    expect(first.admission.classification.decision).toBe('allow');
    expect(first.run).toMatchObject({ completed: { status: 'executed', actionId: input.actionId } });
    const afterFirst = await rowsFor(input.actionId);

    await suspend(database.db, { scope: 'agent', target: 'billing-bot', reason: 'incident', by: 'bob' });
    try {
      const retry = await admitAndRun(input);
      expect(retry.admission).toEqual(first.admission);
      expect(retry.run).toEqual(first.run);
    } finally {
      await resume(database.db, { scope: 'agent', target: 'billing-bot', by: 'bob' });
    }

    const afterRetry = await rowsFor(input.actionId);
    expect(afterRetry).toEqual(afterFirst);
    expect(afterRetry.ledger).toBe(1);
    expect(afterRetry.rateEvents).toBeGreaterThan(0);
    expect(afterRetry.action.status).toBe('executed');
    expect(afterRetry.audit).toEqual(['action.requested', 'action.classified', 'tool.started', 'tool.succeeded', 'action.completed']);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });

  it('stays denied when the first attempt was denied, though the cause is gone, and leaves nothing behind', async () => {
    const input = smallRefund();
    await suspend(database.db, { scope: 'team', target: 'billing', reason: 'audit week', by: 'bob' });
    const first = await admitAndRun(input);
    await resume(database.db, { scope: 'team', target: 'billing', by: 'bob' });
    expect(first.admission.classification).toMatchObject({ decision: 'deny', tier: 'critical' });
    expect(first.run).toBeUndefined();

    const retry = await admitAndRun(input);
    expect(retry.admission).toEqual(first.admission);
    expect(retry.run).toBeUndefined();
    const rows = await rowsFor(input.actionId);
    // Denied before the rate-limit step: no event counted, no run claimed.
    expect(rows).toMatchObject({ ledger: 0, rateEvents: 0, action: { status: 'requested' } });
    expect(rows.audit).toEqual(['action.requested', 'action.classified']);
  });

  it('opens round 1 in its commit once: a retry finds the round the first attempt opened', async () => {
    const input = admissionInput('retry-test', refundRequest({ idempotencyKey: 'retry-pending' }));
    const first = await admitAndRun(input);
    expect(first.admission.classification.decision).toBe('require_approval');
    expect(first.opened).toMatchObject({ eligibleApprovers: [{ id: 'alice' }, { id: 'bob' }], excluded: [{ id: 'owner' }] });
    const afterFirst = await rowsFor(input.actionId);
    expect(afterFirst.action.status).toBe('awaiting_approval');
    // Admission's rows, then the round's opening: the order the chain had when the workflow opened it.
    expect(afterFirst.audit.at(-1)).toBe('approval.opened');
    expect(afterFirst.audit.slice(0, 1)).toEqual(['action.requested']);
    expect(afterFirst.audit.at(-2)).toBe('action.classified');

    const retry = await admitAndRun(input);
    expect(retry).toEqual(first);
    expect(await rowsFor(input.actionId)).toEqual(afterFirst);
    expect(await database.db.prisma.approval.count({ where: { actionId: input.actionId } })).toBe(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });

  // Found by the soak (seed 1122): the budget freed up between the first attempt (denied: budget
  // exceeded) and the retry, which then reserved money and asked for an approval the log says never existed.
  it('stays denied when the budget that refused it has room by the time of the retry', async () => {
    await createAgent(database.db, { id: 'retry-bot', team: 'retry', allowedTools: ['payments.*'] });
    await createBudget(database.db, { scope: 'agent', target: 'retry-bot', period: 'day', currency: 'USD', limit: '100.00' });
    // Another action holds the whole budget when the first attempt runs.
    await reserveBudget(database.db, { actionId: 'other-action', agentId: 'retry-bot', team: 'retry', amount: '100.00', currency: 'USD', at: new Date() });
    const input = admissionInput('retry-queue', {
      agentId: 'retry-bot',
      tool: 'payments.refund',
      args: { paymentId: 'pay_1', amount: '60.00', currency: 'USD', reason: 'duplicate' },
      idempotencyKey: 'retry-1',
    });

    const first = await admitAndRun(input);
    expect(first.admission.classification.decision).toBe('deny');
    await releaseBudget(database.db, { actionId: 'other-action' });
    const retry = await admitAndRun(input);
    expect(retry.admission).toEqual(first.admission);
    // The retry reserved nothing: the freed budget is untouched.
    expect(await database.db.prisma.budgetReservation.count({ where: { actionId: input.actionId } })).toBe(0);
  });
});

// PostgreSQL checks unique indexes in the order they were created: the primary key
// first in a migrated database, another index first after a restore that rebuilt
// it last. The retry is recognised by the committed row either way.
describe('a retried admission, when another unique index reports the conflict first', () => {
  let rebuilt: TestDatabase;
  beforeAll(async () => {
    rebuilt = await createTestDatabase();
    await seedTeam(rebuilt.db);
    // CASCADE drops the foreign keys that point at actions: this database serves only this test.
    await rebuilt.db.pool.query('ALTER TABLE actions DROP CONSTRAINT actions_pkey CASCADE; ALTER TABLE actions ADD CONSTRAINT actions_pkey PRIMARY KEY (id)');
  });
  afterAll(async () => {
    await rebuilt?.drop();
  });

  it('returns the committed decision and runs the tool once', async () => {
    const { admitAndRun: admit } = seededActivities(rebuilt.db);
    const input = smallRefund();
    const first = await admit(input);
    expect(first.run).toMatchObject({ completed: { status: 'executed', actionId: input.actionId } });

    // The precondition: a second row with the same id now fails on another index than the primary key.
    const duplicate = await rebuilt.db.pool.query('INSERT INTO actions SELECT * FROM actions WHERE id = $1', [input.actionId]).then(
      () => undefined,
      (error: { code?: string; constraint?: string }) => error,
    );
    expect(duplicate).toMatchObject({ code: '23505' });
    expect(duplicate?.constraint).not.toBe('actions_pkey');

    const retry = await admit(input);
    expect(retry).toEqual(first);
    expect(await rebuilt.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${input.actionId}:run` } })).toBe(1);
    const audit = await rebuilt.db.prisma.auditEvent.findMany({ where: { actionId: input.actionId }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => e.type)).toEqual(['action.requested', 'action.classified', 'tool.started', 'tool.succeeded', 'action.completed']);
    expect(await verifyAuditChain(rebuilt.db)).toMatchObject({ ok: true });
  });
});
