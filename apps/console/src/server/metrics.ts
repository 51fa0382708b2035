import { listBudgets, type BudgetWithUsage, type Db } from '@airlock/db';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

// The console's metrics are read from the database at scrape time: they describe
// the whole deployment (every worker's actions), so any console replica reports
// the same values. Per-process counters live on the workers.

const registries = new WeakMap<Db, Registry>();

/** One registry per database handle (one per process in production; one per test harness in tests). */
export function consoleMetrics(db: Db): Registry {
  let registry = registries.get(db);
  if (!registry) {
    registry = createRegistry(db);
    registries.set(db, registry);
  }
  return registry;
}

const BUDGET_LABELS = ['budget', 'scope', 'target', 'period', 'currency'] as const;

function createRegistry(db: Db): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const pending = () => db.pool.query<{ count: number; oldest: number | null }>(
    `SELECT count(*)::int AS count, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest FROM approvals WHERE status = 'open'`,
  );
  new Gauge({
    name: 'airlock_approvals_pending',
    help: 'Approval rounds waiting for a human decision.',
    registers: [registry],
    async collect() {
      this.set((await pending()).rows[0]?.count ?? 0);
    },
  });
  new Gauge({
    name: 'airlock_approvals_oldest_pending_seconds',
    help: 'Age of the oldest approval round still waiting (0 when none waits).',
    registers: [registry],
    async collect() {
      this.set((await pending()).rows[0]?.oldest ?? 0);
    },
  });
  // One read serves the three budget gauges of a scrape.
  const budgets = sharedFor(1_000, () => listBudgets(db));
  const budgetGauge = (name: string, help: string, value: (b: BudgetWithUsage) => string) =>
    new Gauge({
      name,
      help,
      labelNames: BUDGET_LABELS,
      registers: [registry],
      async collect() {
        this.reset();
        for (const b of await budgets()) this.set({ budget: b.id, scope: b.scope, target: b.target, period: b.period, currency: b.currency }, Number(value(b)));
      },
    });
  budgetGauge('airlock_budget_limit', 'Budget limit of the current period.', (b) => b.limit);
  budgetGauge('airlock_budget_reserved', 'Money reserved (approved or waiting, not yet spent) in the current period.', (b) => b.reserved);
  budgetGauge('airlock_budget_spent', 'Money spent (tools that ran) in the current period.', (b) => b.spent);
  return registry;
}

/** The same promise for calls within `ms`: one query per scrape, not one per gauge. */
function sharedFor<T>(ms: number, load: () => Promise<T>): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ms) cached = { at: now, value: load() };
    return cached.value;
  };
}
