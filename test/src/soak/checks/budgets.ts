import { REFUND_ROUTES } from '../workload.js';
import type { Facts } from './facts.js';
import type { Violation } from './violation.js';

const INVARIANT = 'budgets are never overspent, and every reservation is settled';

const cents = (amount: string | null): number => Math.round(Number(amount ?? '0') * 100);
const money = (c: number): string => (c / 100).toFixed(2);

/**
 * Per budget and period: spent ≤ limit and nothing left reserved once every
 * action has ended. Each executed refund's reservations are committed for its
 * amount, everything else's released; and what the budgets say was spent is
 * exactly what the ledger paid out (per agent, and for the tenant).
 */
export function checkBudgets(facts: Facts): Violation[] {
  const violations: Violation[] = [];
  const add = (detail: string, actionId?: string) => violations.push({ invariant: INVARIANT, detail, ...(actionId ? { actionId } : {}) });

  for (const u of facts.usage) {
    if (cents(u.spent) > cents(u.limit)) add(`budget ${u.scope}/${u.target}: spent ${u.spent} > limit ${u.limit}`);
    if (cents(u.reserved) !== 0) add(`budget ${u.scope}/${u.target}: ${u.reserved} still reserved after every action ended`);
  }

  const paidByAgent = new Map<string, number>();
  let paidTotal = 0;
  for (const action of facts.actions) {
    const executed = action.workflow.outcome?.status === 'executed';
    const isRefund = REFUND_ROUTES.has(action.record.planned.route);
    for (const r of action.reservations) {
      const expected = executed ? 'committed' : 'released';
      if (r.status !== expected) add(`reservation on budget ${r.budgetId} is ${r.status}, expected ${expected}`, action.actionId);
      if (r.status === 'committed' && cents(r.actualAmount ?? r.amount) !== cents(action.record.planned.amount ?? '0')) {
        add(`committed ${r.actualAmount ?? r.amount}, the refund was ${action.record.planned.amount}`, action.actionId);
      }
    }
    if (isRefund && executed && action.reservations.length === 0) add('an executed refund reserved no budget', action.actionId);
    const paid = action.ledger.reduce((sum, l) => sum + cents(l.amount), 0);
    paidTotal += paid;
    const agent = action.record.planned.request.agentId;
    paidByAgent.set(agent, (paidByAgent.get(agent) ?? 0) + paid);
  }

  const spentBy = (scope: string, target: string) => facts.usage.filter((u) => u.scope === scope && u.target === target).reduce((sum, u) => sum + cents(u.spent), 0);
  for (const [agent, paid] of paidByAgent) {
    const spent = spentBy('agent', agent);
    if (spent !== paid) add(`agent ${agent}: budgets say ${money(spent)} spent, the ledger paid ${money(paid)}`);
  }
  const tenantSpent = spentBy('tenant', '*');
  if (tenantSpent !== paidTotal) add(`tenant: budgets say ${money(tenantSpent)} spent, the ledger paid ${money(paidTotal)}`);
  return violations;
}
