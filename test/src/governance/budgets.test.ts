import {
  budgetCurrenciesFrom,
  budgetCurrenciesStatement,
  BudgetExistsError,
  commitBudget,
  createAgent,
  createBudget,
  holdsReservation,
  inTransaction,
  listBudgets,
  recheckReservation,
  releaseBudget,
  ReservationReleasedError,
  reservationRecheckFrom,
  reservationRecheckStatement,
  reserveBudget,
  reserveBudgetKnowingCurrenciesIn,
  unreservedBudgetsStatement,
  type Db,
  type RecheckResult,
  type ReservationRecheckRow,
} from '@airlock/db';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { useGovernanceDatabase } from './database.js';
import { periodLedger, reservationsOf } from './ledger.js';

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

const at = new Date('2026-03-10T12:00:00Z');
const request = (actionId: string, amount: string, overrides: Partial<Parameters<typeof reserveBudget>[1]> = {}) => ({
  actionId,
  agentId: 'billing-bot',
  team: 'finance',
  amount,
  currency: 'USD',
  at,
  ...overrides,
});

describe('defining budgets', () => {
  it('refuses limits that are not positive exact amounts, thresholds not below the limit, and mismatched targets', async () => {
    const base = { scope: 'agent' as const, target: 'billing-bot', period: 'day' as const, currency: 'USD', limit: '100.00' };
    for (const bad of [
      { limit: '0' },
      { limit: '0.00' },
      { limit: '-5.00' },
      { limit: '10.001' },
      { limit: '1e3' },
      { approvalThreshold: '100.00' },
      { approvalThreshold: '150.00' },
      { currency: 'usd' },
      { scope: 'tenant' as const, target: 'acme' },
      { scope: 'team' as const, target: '*' },
      { target: '' },
    ]) {
      await expect(createBudget(db, { ...base, ...bad })).rejects.toBeInstanceOf(ZodError);
    }
    expect(await db.prisma.budget.count()).toBe(0);
  });

  it('keeps one budget per scope, target, period and currency', async () => {
    const budget = { scope: 'tenant' as const, target: '*', period: 'month' as const, currency: 'USD', limit: '10000.00' };
    const created = await createBudget(db, { ...budget, approvalThreshold: '8000.00' });
    expect(created).toMatchObject({ ...budget, approvalThreshold: '8000.00', createdAt: expect.any(Date) });
    await expect(createBudget(db, budget)).rejects.toBeInstanceOf(BudgetExistsError);
    await expect(createBudget(db, { ...budget, currency: 'EUR' })).resolves.toMatchObject({ currency: 'EUR', approvalThreshold: null });
  });

  it('lists the current period’s spent, reserved and remaining, filtered by scope and target', async () => {
    const agent = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100.00' });
    const team = await createBudget(db, { scope: 'team', target: 'finance', period: 'month', currency: 'USD', limit: '1000.00' });
    await reserveBudget(db, request('a-1', '30.00'));
    await reserveBudget(db, request('a-2', '20.50'));
    await commitBudget(db, { actionId: 'a-1', actual: '25.25' });

    const listed = await listBudgets(db, { at });
    expect(listed).toEqual([
      { ...agent, periodStart: '2026-03-10', spent: '25.25', reserved: '20.50', remaining: '54.25' },
      { ...team, periodStart: '2026-03-01', spent: '25.25', reserved: '20.50', remaining: '954.25' },
    ]);
    expect(await listBudgets(db, { scope: 'team', at })).toEqual([listed[1]]);
    expect(await listBudgets(db, { target: 'billing-bot', at })).toEqual([listed[0]]);
    // Another day: the day budget starts afresh, the month budget does not.
    expect(await listBudgets(db, { at: new Date('2026-03-11T00:00:00Z') })).toMatchObject([
      { periodStart: '2026-03-11', spent: '0.00', reserved: '0.00', remaining: '100.00' },
      { periodStart: '2026-03-01', spent: '25.25', reserved: '20.50' },
    ]);
  });
});

describe('reserving', () => {
  // Admission reads the currencies of the agent's budgets with BEGIN and passes them in.
  it('answers "not applicable" without touching the budgets when none is in the currency, and checks the request either way', async () => {
    const budget = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100.00' });
    const client = await db.pool.connect();
    try {
      // Outside a transaction on purpose: the reservation's first statement (a SAVEPOINT) would fail here, so these
      // answers come without one. Told (wrongly, on purpose) that no budget is in USD, it trusts the read it was handed.
      expect(await reserveBudgetKnowingCurrenciesIn(client, request('a-1', '40.00'), new Set(['EUR']))).toEqual({ status: 'not_applicable', impacts: [], needsApproval: false });
      await expect(reserveBudgetKnowingCurrenciesIn(client, request('a-1', '40.00', { currency: 'usd' }), new Set())).rejects.toThrow(ZodError);
    } finally {
      client.release();
    }
    expect(await reservationsOf(db, 'a-1')).toEqual([]);
    const reserved = await inTransaction(db, (tx) => reserveBudgetKnowingCurrenciesIn(tx, request('a-1', '40.00'), new Set(['USD'])));
    expect(reserved).toMatchObject({ status: 'reserved', impacts: [expect.objectContaining({ budgetId: budget.id })] });
  });

  it('shows the approver each budget’s impact and asks for approval once spending passes the threshold', async () => {
    const budget = await createBudget(db, {
      scope: 'agent',
      target: 'billing-bot',
      period: 'day',
      currency: 'USD',
      limit: '100.00',
      approvalThreshold: '50.00',
    });
    const impact = {
      budgetId: budget.id,
      scope: 'agent',
      target: 'billing-bot',
      period: 'day',
      periodStart: '2026-03-10',
      currency: 'USD',
      limit: '100.00',
      approvalThreshold: '50.00',
    };

    expect(await reserveBudget(db, request('a-1', '30.00'))).toEqual({
      status: 'reserved',
      needsApproval: false,
      impacts: [{ ...impact, spent: '0.00', reserved: '30.00', thisAction: '30.00', thresholdCrossed: false }],
    });
    // Exactly at the threshold is not past it.
    expect(await reserveBudget(db, request('a-2', '20.00'))).toMatchObject({ status: 'reserved', needsApproval: false });
    expect(await reserveBudget(db, request('a-3', '0.01'))).toEqual({
      status: 'reserved',
      needsApproval: true,
      impacts: [{ ...impact, spent: '0.00', reserved: '50.01', thisAction: '0.01', thresholdCrossed: true }],
    });
  });

  it('refuses an action that would pass a limit, says why, and reserves nothing anywhere', async () => {
    const agent = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '1000.00' });
    const team = await createBudget(db, { scope: 'team', target: 'finance', period: 'month', currency: 'USD', limit: '100.00', approvalThreshold: '10.00' });
    await reserveBudget(db, request('a-1', '60.00'));
    await commitBudget(db, { actionId: 'a-1', actual: '55.00' });
    await reserveBudget(db, request('a-2', '40.00'));

    const refused = await reserveBudget(db, request('a-3', '5.01'));
    expect(refused).toEqual({
      status: 'exceeded',
      reason: 'budget team/finance (month) would exceed its limit: limit 100.00, spent 55.00, reserved 40.00, this action 5.01',
      impacts: expect.arrayContaining([
        expect.objectContaining({ budgetId: agent.id, spent: '55.00', reserved: '40.00', thisAction: '5.01', thresholdCrossed: false }),
        expect.objectContaining({ budgetId: team.id, spent: '55.00', reserved: '40.00', thisAction: '5.01', thresholdCrossed: true }),
      ]),
    });
    expect(await reservationsOf(db, 'a-3')).toEqual([]);
    expect(await periodLedger(db, agent.id, '2026-03-10')).toMatchObject({ spent: '55.00', reserved: '40.00' });
    // What still fits is admitted.
    expect(await reserveBudget(db, request('a-4', '5.00'))).toMatchObject({ status: 'reserved' });
  });

  it('applies only budgets of the action’s agent, team or tenant in the same currency', async () => {
    await createBudget(db, { scope: 'agent', target: 'other-bot', period: 'day', currency: 'USD', limit: '1.00' });
    await createBudget(db, { scope: 'team', target: 'support', period: 'day', currency: 'USD', limit: '1.00' });
    await createBudget(db, { scope: 'tenant', target: '*', period: 'day', currency: 'EUR', limit: '1.00' });
    expect(await reserveBudget(db, request('a-1', '500.00'))).toEqual({ status: 'not_applicable', impacts: [], needsApproval: false });
    expect(await db.prisma.budgetReservation.count()).toBe(0);

    const tenant = await createBudget(db, { scope: 'tenant', target: '*', period: 'day', currency: 'USD', limit: '1000.00' });
    expect(await reserveBudget(db, request('a-2', '500.00'))).toMatchObject({ status: 'reserved', impacts: [{ budgetId: tenant.id }] });
  });

  it('counts 23:59 and 00:01 UTC in different days, and the last and first day of months in different months', async () => {
    const day = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '10.00' });
    const month = await createBudget(db, { scope: 'team', target: 'finance', period: 'month', currency: 'USD', limit: '15.00' });
    const late = await reserveBudget(db, request('a-1', '10.00', { at: new Date('2026-03-31T23:59:00Z') }));
    const early = await reserveBudget(db, request('a-2', '10.00', { at: new Date('2026-04-01T00:01:00Z') }));
    expect(late).toMatchObject({ status: 'reserved', impacts: [{ periodStart: expect.any(String) }, { periodStart: expect.any(String) }] });
    expect(early).toMatchObject({ status: 'reserved' });
    expect(await periodLedger(db, day.id, '2026-03-31')).toMatchObject({ reserved: '10.00' });
    expect(await periodLedger(db, day.id, '2026-04-01')).toMatchObject({ reserved: '10.00' });
    expect(await periodLedger(db, month.id, '2026-03-01')).toMatchObject({ reserved: '10.00' });
    expect(await periodLedger(db, month.id, '2026-04-01')).toMatchObject({ reserved: '10.00' });
    // A UTC offset in the input changes nothing: 2026-04-01T01:30+02:00 is still 23:30 on 31 March.
    const shifted = await reserveBudget(db, request('a-3', '5.00', { at: new Date('2026-04-01T01:30:00+02:00') }));
    expect(shifted).toMatchObject({ status: 'exceeded', reason: expect.stringMatching(/^budget agent\/billing-bot \(day\)/) });
  });

  it('is idempotent per action: a retry returns the held reservation and reserves nothing more', async () => {
    const budget = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100.00', approvalThreshold: '20.00' });
    const first = await reserveBudget(db, request('a-1', '30.00'));
    const retries = await Promise.all([1, 2, 3].map(() => reserveBudget(db, request('a-1', '30.00'))));
    for (const retry of retries) expect(retry).toEqual(first);
    expect(await periodLedger(db, budget.id, '2026-03-10')).toMatchObject({ reserved: '30.00', counts: { reserved: 1 } });

    await commitBudget(db, { actionId: 'a-1' });
    expect(await reserveBudget(db, request('a-1', '30.00'))).toMatchObject({ status: 'reserved', impacts: [{ spent: '30.00', reserved: '0.00' }] });
    await reserveBudget(db, request('a-2', '10.00'));
    await releaseBudget(db, { actionId: 'a-2' });
    await expect(reserveBudget(db, request('a-2', '10.00'))).rejects.toBeInstanceOf(ReservationReleasedError);
    expect(await periodLedger(db, budget.id, '2026-03-10')).toMatchObject({ spent: '30.00', reserved: '0.00' });
  });

  it('validates the request at the boundary', async () => {
    await expect(reserveBudget(db, request('a-1', '10.5.0'))).rejects.toBeInstanceOf(ZodError);
    await expect(reserveBudget(db, request('a-1', '10.00', { currency: 'dollars' }))).rejects.toBeInstanceOf(ZodError);
    await expect(reserveBudget(db, request('', '10.00'))).rejects.toBeInstanceOf(ZodError);
  });
});

describe('committing and releasing', () => {
  it('moves reserved money to spent at the actual cost, lower or higher, once', async () => {
    const agent = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100.00' });
    const tenant = await createBudget(db, { scope: 'tenant', target: '*', period: 'month', currency: 'USD', limit: '100.00' });
    await reserveBudget(db, request('low', '40.00'));
    await reserveBudget(db, request('high', '40.00'));
    await reserveBudget(db, request('exact', '10.00'));

    expect(await commitBudget(db, { actionId: 'low', actual: '12.34' })).toEqual({ committed: 2 });
    expect(await commitBudget(db, { actionId: 'low', actual: '40.00' })).toEqual({ committed: 0 });
    expect(await commitBudget(db, { actionId: 'high', actual: '75.00' })).toEqual({ committed: 2 });
    expect(await commitBudget(db, { actionId: 'exact' })).toEqual({ committed: 2 });
    for (const [budget, period] of [
      [agent, '2026-03-10'],
      [tenant, '2026-03-01'],
    ] as const) {
      expect(await periodLedger(db, budget.id, period)).toEqual({
        limit: '100.00',
        spent: '97.34',
        reserved: '0.00',
        heldRows: '0.00',
        committedRows: '97.34',
        counts: { reserved: 0, committed: 3, released: 0 },
        withinLimit: true,
      });
    }
    // A release after a commit changes nothing: the money was spent.
    expect(await releaseBudget(db, { actionId: 'high' })).toEqual({ released: 0 });
    expect(await reservationsOf(db, 'high')).toEqual([
      expect.objectContaining({ status: 'committed', amount: '40.00', actual: '75.00' }),
      expect.objectContaining({ status: 'committed', amount: '40.00', actual: '75.00' }),
    ]);
  });

  it('gives released money back, once, and never commits it afterwards', async () => {
    const agent = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100.00' });
    await reserveBudget(db, request('a-1', '60.00'));
    expect(await releaseBudget(db, { actionId: 'a-1' })).toEqual({ released: 1 });
    expect(await releaseBudget(db, { actionId: 'a-1' })).toEqual({ released: 0 });
    expect(await commitBudget(db, { actionId: 'a-1' })).toEqual({ committed: 0 });
    expect(await releaseBudget(db, { actionId: 'never-reserved' })).toEqual({ released: 0 });
    expect(await periodLedger(db, agent.id, '2026-03-10')).toMatchObject({ spent: '0.00', reserved: '0.00', counts: { released: 1 } });
    expect(await reserveBudget(db, request('a-2', '100.00'))).toMatchObject({ status: 'reserved' });
  });

  it('books spending in the period it was reserved in, even when committed in the next', async () => {
    const day = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100.00' });
    await reserveBudget(db, request('a-1', '10.00', { at: new Date('2026-03-10T23:59:59Z') }));
    await commitBudget(db, { actionId: 'a-1' });
    expect(await periodLedger(db, day.id, '2026-03-10')).toMatchObject({ spent: '10.00', reserved: '0.00' });
    expect(await periodLedger(db, day.id, '2026-03-11')).toMatchObject({ spent: '0.00', reserved: '0.00' });
  });
});

describe('re-checking before the run', () => {
  /** The verdict both ways: on its own, and as the statement a run sends with its other reads (values inlined, one message). */
  async function recheckReservationBothWays(actionId: string): Promise<RecheckResult> {
    const alone = await recheckReservation(db, { actionId });
    const [, inMessage] = (await db.pool.query(`SELECT 1; ${reservationRecheckStatement({ actionId })}`)) as unknown as pg.QueryResult[];
    expect(reservationRecheckFrom(actionId, inMessage!.rows)).toEqual(alone);
    return alone;
  }

  it('passes while the held budgets still fit, fails once a limit was lowered below what is used', async () => {
    const team = await createBudget(db, { scope: 'team', target: 'finance', period: 'day', currency: 'USD', limit: '100.00' });
    await reserveBudget(db, request('a-1', '40.00'));
    await reserveBudget(db, request('a-2', '30.00'));
    expect(await recheckReservationBothWays('a-1')).toEqual({ ok: true });
    expect(await recheckReservationBothWays('no-budget-applied')).toEqual({ ok: true });

    await db.pool.query('UPDATE budgets SET limit_amount = 60.00 WHERE id = $1', [team.id]);
    expect(await recheckReservationBothWays('a-1')).toEqual({
      ok: false,
      reason: 'budget team/finance (day) is over its limit: limit 60.00, spent 0.00, reserved 70.00 (this action 40.00)',
    });
    await releaseBudget(db, { actionId: 'a-2' });
    expect(await recheckReservationBothWays('a-1')).toEqual({ ok: true });
    expect(await recheckReservationBothWays('a-2')).toEqual({ ok: false, reason: 'the budget reservation of action a-2 was released' });
  });

  // The run reads these with its others; its re-check tops up only in a currency they name.
  it("names the currencies of budgets added since the reservation that cover the agent: its own, its team's, the tenant's", async () => {
    await createAgent(db, { id: 'billing-bot', team: 'finance', allowedTools: ['payments.*'] });
    // Each statement sent after another in one message, as the run sends them.
    const inMessage = async <Row>(statement: string): Promise<Row[]> => ((await db.pool.query(`SELECT 1; ${statement}`)) as unknown as pg.QueryResult[])[1]!.rows as Row[];
    const unreserved = async (actionId: string) =>
      [...budgetCurrenciesFrom(await inMessage<{ currency: string }>(unreservedBudgetsStatement({ actionId, agentId: 'billing-bot' })))].sort();
    const holds = async (actionId: string) => holdsReservation(await inMessage<ReservationRecheckRow>(reservationRecheckStatement({ actionId })));
    const covering = async () => [...budgetCurrenciesFrom(await inMessage<{ currency: string }>(budgetCurrenciesStatement('billing-bot')))].sort();

    await createBudget(db, { scope: 'team', target: 'finance', period: 'day', currency: 'USD', limit: '100.00' });
    await reserveBudget(db, request('a-1', '40.00'));
    expect(await unreserved('a-1')).toEqual([]);
    expect(await covering()).toEqual(['USD']);
    expect(await holds('a-1')).toBe(true);
    expect(await unreserved('not-reserved')).toEqual(['USD']);
    expect(await holds('not-reserved')).toBe(false);

    // Added while a-1 waited: another agent's and another team's do not cover it.
    await createBudget(db, { scope: 'agent', target: 'other-bot', period: 'day', currency: 'GBP', limit: '100.00' });
    await createBudget(db, { scope: 'team', target: 'support', period: 'day', currency: 'CHF', limit: '100.00' });
    expect(await unreserved('a-1')).toEqual([]);
    await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'EUR', limit: '100.00' });
    await createBudget(db, { scope: 'tenant', target: '*', period: 'month', currency: 'USD', limit: '5000.00' });
    expect(await unreserved('a-1')).toEqual(['EUR', 'USD']);
    expect(await covering()).toEqual(['EUR', 'USD']);

    await releaseBudget(db, { actionId: 'a-1' });
    expect(await holds('a-1')).toBe(false);
  });

  it('fails when a held budget no longer exists', async () => {
    const budget = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '100.00' });
    await reserveBudget(db, request('a-1', '40.00'));
    // Foreign keys forbid this; a superuser bypassing them is the only way to get here.
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query('DELETE FROM budgets WHERE id = $1', [budget.id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await recheckReservationBothWays('a-1')).toEqual({ ok: false, reason: `budget ${budget.id} no longer exists` });
  });
});
