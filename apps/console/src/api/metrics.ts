import { listBudgets, type Db } from '@airlock/db';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

// The console's metrics are read from the database at scrape time: they describe
// the whole deployment (every worker's actions), so any console replica reports
// the same values. Per-process counters live on the workers.

export interface ConsoleMetrics {
  registry: Registry;
  /** Reads the current values from the database, then renders every metric. */
  scrape(): Promise<string>;
}

const byDb = new WeakMap<Db, ConsoleMetrics>();

/** One set per database handle: one per process in production, one per test harness in tests. */
export function consoleMetrics(db: Db): ConsoleMetrics {
  let metrics = byDb.get(db);
  if (!metrics) {
    metrics = createConsoleMetrics(db);
    byDb.set(db, metrics);
  }
  return metrics;
}

const BUDGET_LABELS = ['budget', 'scope', 'target', 'period', 'currency'] as const;

function createConsoleMetrics(db: Db): ConsoleMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const pending = new Gauge({ name: 'airlock_approvals_pending', help: 'Approval rounds waiting for a human decision.', registers: [registry] });
  const oldest = new Gauge({
    name: 'airlock_approvals_oldest_pending_seconds',
    help: 'Age of the oldest approval round still waiting (0 when none waits).',
    registers: [registry],
  });
  const budgetGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: BUDGET_LABELS, registers: [registry] });
  const limit = budgetGauge('airlock_budget_limit', 'Budget limit of the current period.');
  const reserved = budgetGauge('airlock_budget_reserved', 'Money reserved (approved or waiting, not yet spent) in the current period.');
  const spent = budgetGauge('airlock_budget_spent', 'Money spent (tools that ran) in the current period.');

  /** Two queries per scrape, whatever the number of gauges. */
  const refresh = async () => {
    const [approvals, budgets] = await Promise.all([
      db.pool.query<{ count: number; oldest: number | null }>(
        `SELECT count(*)::int AS count, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest FROM approvals WHERE status = 'open'`,
      ),
      listBudgets(db),
    ]);
    pending.set(approvals.rows[0]?.count ?? 0);
    oldest.set(approvals.rows[0]?.oldest ?? 0);
    // Reset first: a deleted budget must disappear, not keep its last value.
    for (const gauge of [limit, reserved, spent]) gauge.reset();
    for (const b of budgets) {
      const labels = { budget: b.id, scope: b.scope, target: b.target, period: b.period, currency: b.currency };
      limit.set(labels, Number(b.limit));
      reserved.set(labels, Number(b.reserved));
      spent.set(labels, Number(b.spent));
    }
  };

  return {
    registry,
    async scrape() {
      await refresh();
      return registry.metrics();
    },
  };
}
