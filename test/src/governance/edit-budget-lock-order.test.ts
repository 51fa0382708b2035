import { createActivities, defaultActivityDeps, type AdmitAndRunAnswer } from '@airlock/activities';
import type { GuardedActionInput } from '@airlock/core';
import { createAgent, periodStartOf } from '@airlock/db';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionInput, refundRequest } from '../support/actions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { defaultPolicy } from '../support/harness.js';

// An approver's edit releases the reservation it replaces and reserves its own in one transaction. It did so in
// two passes, each in budget id order: with a day budget a and a month budget b (a < b), an action reserved
// yesterday holds (a, yesterday) and (b, month); its edit today locked (a, yesterday), (b, month), then asked for
// (a, today), while an admission today held (a, today) and asked for (b, month). PostgreSQL broke the cycle by
// aborting one of them (40P01). Now the edit locks (a, yesterday), (a, today), (b, month) first, in that order.

let database: TestDatabase;
const AGENT = 'lock-order-bot';
// Ids chosen so the day budget sorts first (COLLATE "C"), as in the reported sequence.
const DAY = 'lock-order-a-day';
const MONTH = 'lock-order-b-month';

beforeAll(async () => {
  database = await createTestDatabase();
  await createAgent(database.db, { id: AGENT, team: 'lock-order', allowedTools: ['payments.*'] });
  await database.db.pool.query(
    `INSERT INTO budgets (id, scope, target, period, currency, limit_amount)
     VALUES ($1, 'agent', $3, 'day', 'USD', 1000), ($2, 'agent', $3, 'month', 'USD', 1000)`,
    [DAY, MONTH, AGENT],
  );
});

afterAll(async () => {
  await database?.drop();
});

/** What became of a transaction: committed, or the SQLSTATE (or message) it failed with. */
async function ending(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'committed';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : String(error);
  }
}

/** Polls until a backend waits on a lock `pid` holds; each step is a database round trip, not a timer guess. */
async function untilBlockedBy(pid: number): Promise<void> {
  for (;;) {
    const { rows } = await database.db.pool.query('SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND $1 = ANY(pg_blocking_pids(pid))', [pid]);
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("an approver's edit across budget periods", () => {
  it('locks its usage rows in the one order admissions use: an edit of an action reserved yesterday and an admission today both commit', async () => {
    const { db } = database;
    const activities = createActivities(defaultActivityDeps(db, defaultPolicy()));
    const input: GuardedActionInput = admissionInput('lock-order', { ...refundRequest({ amount: '150.00' }), agentId: AGENT });
    const { actionId } = input;
    const admitted = await new MockActivityEnvironment().run<[], AdmitAndRunAnswer, () => Promise<AdmitAndRunAnswer>>(() => activities.admitAndRun(input));
    expect(admitted.admission).toMatchObject({ classification: { decision: 'require_approval' }, budgetReserved: true });

    // The action was reserved yesterday: its day budget's reservation sits in yesterday's row.
    const now = new Date();
    const today = periodStartOf('day', now);
    const yesterday = periodStartOf('day', new Date(now.getTime() - 86_400_000));
    const month = periodStartOf('month', now);
    await db.pool.query(
      `WITH moved AS (UPDATE budget_reservations SET period_start = $3::date WHERE action_id = $1 AND budget_id = $2 RETURNING amount),
            emptied AS (UPDATE budget_usage SET reserved = reserved - (SELECT amount FROM moved) WHERE budget_id = $2 AND period_start = $4::date)
       INSERT INTO budget_usage (budget_id, period_start, reserved) SELECT $2, $3::date, amount FROM moved`,
      [actionId, DAY, yesterday, today],
    );

    // An admission today: it holds (a, today), and asks for (b, month) once the edit waits behind it.
    const other = await db.pool.connect();
    let edit: Promise<string>;
    let admission: string;
    try {
      await other.query('BEGIN');
      const { rows } = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await other.query('SELECT 1 FROM budget_usage WHERE budget_id = $1 AND period_start = $2::date FOR UPDATE', [DAY, today]);
      edit = ending(
        activities.reviewEdit({ input, round: 1, approverId: 'alice', editedArgs: { ...input.request.args, amount: '100.00' }, previousBudgetHolder: actionId }).then((review) => {
          if (!review.ok) throw new Error(`the edit was rejected: ${review.reason}`);
          return review;
        }),
      );
      await untilBlockedBy(rows[0]!.pid);
      admission = await ending(other.query('SELECT 1 FROM budget_usage WHERE budget_id = $1 AND period_start = $2::date FOR UPDATE', [MONTH, month]));
      await other.query(admission === 'committed' ? 'COMMIT' : 'ROLLBACK');
      if (admission !== 'committed') admission = `aborted: ${admission}`;
    } finally {
      other.release();
    }

    expect({ edit: await edit, admission }).toEqual({ edit: 'committed', admission: 'committed' });
    // The edit moved the money: yesterday's 150.00 given back, today's 100.00 reserved on both budgets.
    const { rows: usage } = await db.pool.query<{ budget_id: string; period_start: string; reserved: string }>(
      `SELECT budget_id, to_char(period_start, 'YYYY-MM-DD') AS period_start, reserved::text FROM budget_usage ORDER BY budget_id COLLATE "C", period_start`,
    );
    expect(usage).toEqual([
      { budget_id: DAY, period_start: yesterday, reserved: '0.00' },
      { budget_id: DAY, period_start: today, reserved: '100.00' },
      { budget_id: MONTH, period_start: month, reserved: '100.00' },
    ]);
  });
});
