import { commitBudget, createBudget, type Db, releaseBudget, ReservationReleasedError, reserveBudget } from '@airlock/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { governanceDatabase } from './database.js';
import { periodLedger, type PeriodLedger } from './ledger.js';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ db, drop } = await governanceDatabase());
});
afterAll(async () => {
  await drop();
});

/** Integer cents to "12.34" without floating point. */
const money = (cents: number) => `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

const ACTIONS = 5;
type Op = { kind: 'reserve'; action: number; cents: number } | { kind: 'commit'; action: number; percent: number } | { kind: 'release'; action: number } | { kind: 'repeat' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reserve' as const), action: fc.nat(ACTIONS - 1), cents: fc.integer({ min: 0, max: 8000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const), action: fc.nat(ACTIONS - 1), percent: fc.integer({ min: 0, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), action: fc.nat(ACTIONS - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'repeat' as const }) },
);

const budgetArb = fc
  .integer({ min: 100, max: 20000 })
  .chain((limit) => fc.record({ limit: fc.constant(limit), threshold: fc.option(fc.integer({ min: 0, max: limit - 1 }), { nil: null }) }));

const scenarioArb = fc.record({
  agent: budgetArb,
  team: fc.option(budgetArb, { nil: null }),
  tenant: fc.option(budgetArb, { nil: null }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 25 }),
});

interface ModelBudget {
  id: string;
  period: string;
  limit: number;
  threshold: number | null;
  spent: number;
  reserved: number;
}
interface ModelAction {
  status: 'reserved' | 'committed' | 'released';
  amount: number;
}

/** Each run gets its own currency, so its three budgets (tenant included) are fresh rows. */
let runs = 0;
const nextCurrency = () => {
  const n = runs++;
  return [n / 676, (n / 26) % 26, n % 26].map((d) => String.fromCharCode(65 + (Math.trunc(d) % 26))).join('');
};

const at = new Date('2026-07-15T18:00:00Z');

async function snapshot(db: Db, budgets: ModelBudget[]): Promise<PeriodLedger[]> {
  return Promise.all(budgets.map((b) => periodLedger(db, b.id, b.period)));
}

describe('budget bookkeeping, property-based', () => {
  it('keeps usage equal to its reservation rows, within the limit, and idempotent, for any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ agent, team, tenant, ops }) => {
        const currency = nextCurrency();
        const who = { agentId: `agent-${currency}`, team: `team-${currency}` };
        const budgets: ModelBudget[] = [];
        for (const [spec, scope, target, period, periodStart] of [
          [agent, 'agent', who.agentId, 'day', '2026-07-15'],
          [team, 'team', who.team, 'month', '2026-07-01'],
          [tenant, 'tenant', '*', 'day', '2026-07-15'],
        ] as const) {
          if (!spec) continue;
          const created = await createBudget(db, {
            scope,
            target,
            period,
            currency,
            limit: money(spec.limit),
            ...(spec.threshold === null ? {} : { approvalThreshold: money(spec.threshold) }),
          });
          budgets.push({ id: created.id, period: periodStart, limit: spec.limit, threshold: spec.threshold, spent: 0, reserved: 0 });
        }
        const actions = new Map<number, ModelAction>();
        const actionId = (i: number) => `${currency}-action-${i}`;

        const apply = async (op: Exclude<Op, { kind: 'repeat' }>) => {
          const held = actions.get(op.action);
          if (op.kind === 'reserve') {
            const request = { actionId: actionId(op.action), ...who, amount: money(op.cents), currency, at };
            if (held?.status === 'released') {
              await expect(reserveBudget(db, request)).rejects.toBeInstanceOf(ReservationReleasedError);
              return;
            }
            const result = await reserveBudget(db, request);
            if (held) {
              expect(result.status).toBe('reserved');
              return;
            }
            if (budgets.every((b) => b.spent + b.reserved + op.cents <= b.limit)) {
              for (const b of budgets) b.reserved += op.cents;
              actions.set(op.action, { status: 'reserved', amount: op.cents });
              const crossed = budgets.some((b) => b.threshold !== null && b.spent + b.reserved > b.threshold);
              expect(result).toMatchObject({ status: 'reserved', needsApproval: crossed });
            } else {
              expect(result.status).toBe('exceeded');
            }
          } else if (op.kind === 'commit') {
            // Committed at or below the reserved amount: the case where the limit must still hold afterwards.
            const actual = held ? Math.trunc((held.amount * op.percent) / 100) : 0;
            const result = await commitBudget(db, { actionId: actionId(op.action), actual: money(actual) });
            if (held?.status === 'reserved') {
              for (const b of budgets) {
                b.reserved -= held.amount;
                b.spent += actual;
              }
              held.status = 'committed';
              expect(result).toEqual({ committed: budgets.length });
            } else {
              expect(result).toEqual({ committed: 0 });
            }
          } else {
            const result = await releaseBudget(db, { actionId: actionId(op.action) });
            if (held?.status === 'reserved') {
              for (const b of budgets) b.reserved -= held.amount;
              held.status = 'released';
              expect(result).toEqual({ released: budgets.length });
            } else {
              expect(result).toEqual({ released: 0 });
            }
          }
        };

        let previous: Exclude<Op, { kind: 'repeat' }> | undefined;
        for (const op of ops) {
          if (op.kind === 'repeat') {
            if (!previous) continue;
            const before = await snapshot(db, budgets);
            await apply(previous);
            expect(await snapshot(db, budgets)).toEqual(before);
          } else {
            await apply(op);
            previous = op;
          }
          const ledgers = await snapshot(db, budgets);
          ledgers.forEach((ledger, i) => {
            const model = budgets[i]!;
            expect(ledger).toMatchObject({
              spent: money(model.spent),
              reserved: money(model.reserved),
              heldRows: ledger.reserved,
              committedRows: ledger.spent,
              withinLimit: true,
            });
          });
        }
      }),
      { numRuns: 200, seed: 20_261_122 },
    );
  }, 300_000);
});
