import { verifyAuditChain } from '@airlock/db';
import { disableAgent, runUseCase, updateAgent, userOperator, type UseCase } from '@airlock/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { admissionInput, refundRequest } from '../support/actions.js';
import { holdChain, untilChainWaiters } from '../support/audit-chain-lock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';
import { seededActivities, type FastPath } from '../support/seeded-activities.js';
import { countingAttempts } from '../support/use-case-attempts.js';

// Admission's action insert takes the audit chain's lock in the same statement, and
// the insert's foreign-key check on the agent runs at the end of that statement,
// after the lock. An operator's use case that held the agent's row against that
// check (FOR UPDATE) and then appended its audit row deadlocked with it: CI saw
// `POST /agents/:id/disable` answer 500 while one of the agent's actions was admitted.
// The interleaving is forced here by holding the chain lock and watching who waits on it.
// runUseCase now runs a deadlocked use case again, which would hide that deadlock:
// so each case also checks that the use case's transaction ran once.

let database: TestDatabase;
let admitAndRun: ReturnType<typeof seededActivities>['admitAndRun'];
let seq = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedTeam(database.db);
  ({ admitAndRun } = seededActivities(database.db));
});
afterAll(async () => {
  await database?.drop();
});

const refund = () => admissionInput('lock-order', refundRequest({ amount: '20.00', idempotencyKey: `lock-order-${++seq}` }));

const bob = userOperator({ id: 'bob', role: 'admin' }, 'api');

async function auditRows(type: string): Promise<number> {
  const { rows } = await database.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE type = $1 AND payload->>'agentId' = 'billing-bot'`, [type]);
  return rows[0]!.n;
}

describe('an operator changing an agent while that agent’s action is admitted', () => {
  const cases: Array<[string, UseCase<z.ZodType, unknown>, unknown, string]> = [
    ['update', updateAgent, { id: 'billing-bot', name: 'Billing bot' }, 'agent.updated'],
    ['disable', disableAgent, { id: 'billing-bot', reason: 'incident' }, 'agent.disabled'],
  ];

  it.each(cases)('%s: both commit (no deadlock), the use case runs once, and the chain verifies', async (_name, useCase, input, auditType) => {
    const action = refund();
    const counted = countingAttempts(useCase);
    const auditedBefore = await auditRows(auditType);
    const chain = await holdChain(database.db);
    let admitted: Promise<FastPath>;
    let changed: Promise<unknown>;
    try {
      // Admission writes its rows and queues for the chain lock; its check on the agent row comes after it.
      admitted = admitAndRun(action);
      await untilChainWaiters(database.db, 1);
      // The operator takes the agent's row, then queues for the chain lock behind admission.
      changed = runUseCase({ db: database.db }, bob, counted.useCase, input);
      await untilChainWaiters(database.db, 2);
    } finally {
      await chain.release();
    }
    const [admission, changeResult] = await Promise.allSettled([admitted, changed]);
    expect(changeResult).toMatchObject({ status: 'fulfilled' });
    expect(admission).toMatchObject({ status: 'fulfilled' });
    // Once: not deadlocked and then run again.
    expect(counted.attempts()).toBe(1);
    expect(await auditRows(auditType)).toBe(auditedBefore + 1);
    expect(await database.db.prisma.action.count({ where: { id: action.actionId } })).toBe(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });
});
