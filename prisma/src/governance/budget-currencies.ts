import { Target } from './scope.js';
import { inlineParams } from './sql-literals.js';

// Which currencies an agent's budgets are in, read with a transaction's other reads in its first
// message: an action whose currency no budget covers reserves nothing, and knowing that up front
// spares the reservation's savepoint, lock, reads and release (five round trips) on every action
// with a cost when no budget applies, which is most of them. A budget committed after that first
// message misses the action, as one committed after the reservation's own read always did.

/** Budgets covering the agent ($1): its own, its team's, the tenant's. */
const CURRENCIES_SQL = `SELECT DISTINCT b.currency FROM budgets b
      WHERE ((b.scope = 'agent' AND b.target = $1)
          OR (b.scope = 'team' AND b.target = (SELECT team FROM agents WHERE id = $1))
          OR (b.scope = 'tenant' AND b.target = '*'))`;

/** The currencies of the budgets covering the agent (admission: what a reservation could apply to). */
export function budgetCurrenciesStatement(agentId: string): string {
  return inlineParams(CURRENCIES_SQL, [Target.parse(agentId)]);
}

/**
 * The same, only budgets holding no reservation of the action: a budget added while it waited. A run's
 * re-check tops up (reserveBudgetsAddedSinceIn) only when the action's currency is among them.
 */
export function unreservedBudgetsStatement(input: { actionId: string; agentId: string }): string {
  return inlineParams(`${CURRENCIES_SQL} AND NOT EXISTS (SELECT 1 FROM budget_reservations r WHERE r.action_id = $2 AND r.budget_id = b.id)`, [
    Target.parse(input.agentId),
    Target.parse(input.actionId),
  ]);
}

/** The currencies from either statement's rows. */
export function budgetCurrenciesFrom(rows: readonly { currency: string }[]): ReadonlySet<string> {
  return new Set(rows.map((row) => row.currency));
}
