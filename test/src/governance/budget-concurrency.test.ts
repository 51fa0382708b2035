import { commitBudget, createBudget, type Db, releaseBudget, reserveBudget, type ReserveResult } from '@airlock/db';
import { describe, expect, it } from 'vitest';
import { useGovernanceDatabase } from './database.js';
import { periodLedger, reservationsOf } from './ledger.js';

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

const at = new Date('2026-05-20T09:30:00Z');
const DAY = '2026-05-20';
const MONTH = '2026-05-01';

function reserveMany(ids: string[], who: { agentId: string; team: string }, amount = '10.00'): Promise<ReserveResult[]> {
  return Promise.all(ids.map((actionId) => reserveBudget(db, { actionId, ...who, amount, currency: 'USD', at })));
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const count = (results: ReserveResult[], status: ReserveResult['status']) => results.filter((r) => r.status === status).length;

/** Polls the usage row while work runs, so an overshoot that is later undone would still be seen. */
function watchLimit(budgetId: string, period: string): { stop: () => Promise<string[]> } {
  const seen: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const ledger = await periodLedger(db, budgetId, period);
      if (!ledger.withinLimit) seen.push(`spent ${ledger.spent} + reserved ${ledger.reserved} > ${ledger.limit}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

describe('budget reservations under concurrency', () => {
  it('admits exactly as many reservations as the limit holds, and the books balance through commits and releases', async () => {
    const budget = await createBudget(db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '500.00' });
    const who = { agentId: 'billing-bot', team: 'finance' };
    const watcher = watchLimit(budget.id, DAY);

    const first = await reserveMany(ids('a', 200), who);
    expect(count(first, 'reserved')).toBe(50);
    expect(count(first, 'exceeded')).toBe(150);
    expect(await periodLedger(db, budget.id, DAY)).toMatchObject({ reserved: '500.00', heldRows: '500.00', spent: '0.00', counts: { reserved: 50 } });

    const admitted = ids('a', 200).filter((_, i) => first[i]!.status === 'reserved');
    const refused = ids('a', 200).filter((_, i) => first[i]!.status === 'exceeded');
    for (const id of refused.slice(0, 10)) expect(await reservationsOf(db, id)).toEqual([]);

    // Settle 30 concurrently with 100 new requests: 10 committed in full, 10 at 7.50, 10 released.
    const [settled, second] = await Promise.all([
      Promise.all([
        ...admitted.slice(0, 10).map((actionId) => commitBudget(db, { actionId })),
        ...admitted.slice(10, 20).map((actionId) => commitBudget(db, { actionId, actual: '7.50' })),
        ...admitted.slice(20, 30).map((actionId) => releaseBudget(db, { actionId })),
      ]),
      reserveMany(ids('b', 100), who),
    ]);
    expect(settled.every((s) => ('committed' in s ? s.committed : s.released) === 1)).toBe(true);
    // Freed: 10 × 10.00 released + 10 × 2.50 under-spent = 125.00: at most 12 new ones, how many depends on timing.
    const admittedLater = count(second, 'reserved');
    expect(admittedLater).toBeLessThanOrEqual(12);
    expect(await periodLedger(db, budget.id, DAY)).toMatchObject({
      spent: '175.00',
      reserved: (20 * 10 + admittedLater * 10).toFixed(2),
      committedRows: '175.00',
      heldRows: (20 * 10 + admittedLater * 10).toFixed(2),
      counts: { committed: 20, released: 10, reserved: 20 + admittedLater },
      withinLimit: true,
    });

    // Once the dust settles, the remaining room is filled exactly.
    const room = (500_00 - 175_00 - (20 + admittedLater) * 10_00) / 10_00;
    const third = await reserveMany(ids('c', 40), who);
    expect(count(third, 'reserved')).toBe(Math.floor(room));
    expect(await watcher.stop()).toEqual([]);
    const final = await periodLedger(db, budget.id, DAY);
    expect(final.withinLimit).toBe(true);
    expect(final.reserved).toBe(final.heldRows);
    expect(final.spent).toBe(final.committedRows);
  });

  it('reserves on agent, team and tenant budgets together or not at all, the agent budget binding', async () => {
    const agent = await createBudget(db, { scope: 'agent', target: 'bot-1', period: 'day', currency: 'USD', limit: '300.00' });
    const team = await createBudget(db, { scope: 'team', target: 'finance', period: 'month', currency: 'USD', limit: '1000.00' });
    const tenant = await createBudget(db, { scope: 'tenant', target: '*', period: 'month', currency: 'USD', limit: '2000.00' });

    const results = await reserveMany(ids('a', 200), { agentId: 'bot-1', team: 'finance' });
    expect(count(results, 'reserved')).toBe(30);
    // A refusal by the agent budget must leave no trace on the team and tenant budgets it was checked after or before.
    expect(await periodLedger(db, agent.id, DAY)).toMatchObject({ reserved: '300.00', heldRows: '300.00' });
    expect(await periodLedger(db, team.id, MONTH)).toMatchObject({ reserved: '300.00', heldRows: '300.00' });
    expect(await periodLedger(db, tenant.id, MONTH)).toMatchObject({ reserved: '300.00', heldRows: '300.00' });
    const rowsPerAction = await Promise.all(ids('a', 200).map((id) => reservationsOf(db, id)));
    expect(rowsPerAction.map((rows) => rows.length).sort()).toEqual([...Array<number>(170).fill(0), ...Array<number>(30).fill(3)]);
  });

  it('shares the tenant budget across agents and teams exactly, the tenant budget binding', async () => {
    const agent = await createBudget(db, { scope: 'agent', target: 'bot-1', period: 'day', currency: 'USD', limit: '300.00' });
    const team = await createBudget(db, { scope: 'team', target: 'finance', period: 'day', currency: 'USD', limit: '500.00' });
    const tenant = await createBudget(db, { scope: 'tenant', target: '*', period: 'day', currency: 'USD', limit: '400.00' });

    const [fromBot1, fromBot2, fromOther] = await Promise.all([
      reserveMany(ids('bot1', 80), { agentId: 'bot-1', team: 'finance' }),
      reserveMany(ids('bot2', 60), { agentId: 'bot-2', team: 'finance' }),
      reserveMany(ids('other', 60), { agentId: 'bot-3', team: 'support' }),
    ]);
    const bot1 = count(fromBot1, 'reserved');
    const bot2 = count(fromBot2, 'reserved');
    const other = count(fromOther, 'reserved');
    // bot-3 is limited by the tenant alone and asked for more than it holds, so the tenant ends full.
    expect(bot1 + bot2 + other).toBe(40);
    expect(bot1).toBeLessThanOrEqual(30);
    expect(await periodLedger(db, tenant.id, DAY)).toMatchObject({ reserved: '400.00', heldRows: '400.00' });
    expect(await periodLedger(db, team.id, DAY)).toMatchObject({ reserved: `${(bot1 + bot2) * 10}.00`, heldRows: `${(bot1 + bot2) * 10}.00` });
    expect(await periodLedger(db, agent.id, DAY)).toMatchObject({ reserved: `${bot1 * 10}.00`, heldRows: `${bot1 * 10}.00` });

    // Commit and release everything concurrently: all money ends spent or returned, nothing held.
    const actions = [...ids('bot1', 80), ...ids('bot2', 60), ...ids('other', 60)];
    await Promise.all(actions.map((actionId, i) => (i % 2 ? commitBudget(db, { actionId, actual: '4.00' }) : releaseBudget(db, { actionId }))));
    for (const budget of [agent, team, tenant]) {
      const ledger = await periodLedger(db, budget.id, DAY);
      expect(ledger).toMatchObject({ reserved: '0.00', heldRows: '0.00', withinLimit: true });
      expect(ledger.spent).toBe(ledger.committedRows);
    }
  });
});
