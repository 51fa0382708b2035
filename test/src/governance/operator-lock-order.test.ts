import { createActivities, defaultActivityDeps } from '@airlock/activities';
import { ActionRequest, type GuardedActionInput } from '@airlock/core';
import { argsHash, deriveActionId } from '@airlock/core/hashing';
import { verifyAuditChain } from '@airlock/db';
import { disableAgent, runUseCase, updateAgent, userOperator } from '@airlock/ops';
import { MockActivityEnvironment } from '@temporalio/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest } from '../support/actions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { defaultPolicy, seedTeam } from '../support/harness.js';

// Admission's action insert takes the audit chain's lock in the same statement, and
// the insert's foreign-key check on the agent runs at the end of that statement,
// after the lock. An operator's use case that held the agent's row against that
// check (FOR UPDATE) and then appended its audit row deadlocked with it: CI saw
// `POST /agents/:id/disable` answer 500 while one of the agent's actions was admitted.
// The interleaving is forced here by holding the chain lock and watching who waits on it.

const AUDIT_CHAIN_LOCK = '7240110002';

let database: TestDatabase;
let activities: ReturnType<typeof createActivities>;
let seq = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedTeam(database.db);
  activities = createActivities(defaultActivityDeps(database.db, defaultPolicy()));
});
afterAll(async () => {
  await database?.drop();
});

function refund(): GuardedActionInput {
  const request = ActionRequest.parse(refundRequest({ amount: '20.00', idempotencyKey: `lock-order-${++seq}` }));
  return { actionId: deriveActionId('lock-order', request.agentId, request.idempotencyKey), argsHash: argsHash(request.args), request };
}

type FastPath = Awaited<ReturnType<typeof activities.admitAndRun>>;
const admitAndRun = (input: GuardedActionInput) =>
  new MockActivityEnvironment().run<[GuardedActionInput], FastPath, (i: GuardedActionInput) => Promise<FastPath>>((i) => activities.admitAndRun(i), input);

/** Backends queued behind the audit chain's lock. */
async function chainWaiters(): Promise<number> {
  const { rows } = await database.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
    [AUDIT_CHAIN_LOCK],
  );
  return rows[0]!.n;
}

/** Polls until `n` backends wait on the chain lock; each step is a database round trip, not a timer guess. */
async function untilChainWaiters(n: number): Promise<void> {
  while ((await chainWaiters()) < n) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Holds the audit chain's lock in a transaction of its own until `release` is called. */
async function holdChain(): Promise<{ release: () => Promise<void> }> {
  const client: pg.PoolClient = await database.db.pool.connect();
  await client.query('BEGIN');
  await client.query(`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK}::bigint)`);
  return {
    release: async () => {
      await client.query('COMMIT');
      client.release();
    },
  };
}

const bob = userOperator({ id: 'bob', role: 'admin' }, 'api');

describe('an operator changing an agent while that agent’s action is admitted', () => {
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['update', () => runUseCase({ db: database.db }, bob, updateAgent, { id: 'billing-bot', name: 'Billing bot' })],
    ['disable', () => runUseCase({ db: database.db }, bob, disableAgent, { id: 'billing-bot', reason: 'incident' })],
  ];

  it.each(cases)('%s: both commit (no deadlock), and the chain verifies', async (_name, change) => {
    const action = refund();
    const chain = await holdChain();
    let admitted: Promise<FastPath>;
    let changed: Promise<unknown>;
    try {
      // Admission writes its rows and queues for the chain lock; its check on the agent row comes after it.
      admitted = admitAndRun(action);
      await untilChainWaiters(1);
      // The operator takes the agent's row, then queues for the chain lock behind admission.
      changed = change();
      await untilChainWaiters(2);
    } finally {
      await chain.release();
    }
    const [admission, changeResult] = await Promise.allSettled([admitted, changed]);
    expect(changeResult).toMatchObject({ status: 'fulfilled' });
    expect(admission).toMatchObject({ status: 'fulfilled' });
    expect(await database.db.prisma.action.count({ where: { id: action.actionId } })).toBe(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });
});
