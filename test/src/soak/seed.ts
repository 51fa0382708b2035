import { createAgent, createBudget, createUser, TENANT_TARGET, type Db } from '@airlock/db';
import { AGENTS, APPROVERS, OWNER, SOAK_ADMIN } from './workload.js';

export interface SoakBudgets {
  perAgent: string;
  tenant: string;
}

/**
 * Daily USD budgets that bind late in the run, so "never overspent" is tested
 * at the edge while most refunds still run. The workload would spend about
 * 45.00 per action (approved refunds of up to 400.00 and small ones): each
 * agent may spend about its share, the tenant 85 % of the total. Short runs
 * get at least 1,000.00 per agent (a few refunds of up to 400.00), or money
 * would refuse most of their approvals before anyone could decide.
 */
export function soakBudgets(actions: number): SoakBudgets {
  const perAgent = Math.max(1_000, Math.round((actions * 45) / AGENTS.length));
  return { perAgent: perAgent.toFixed(2), tenant: (perAgent * AGENTS.length * 0.85).toFixed(2) };
}

/** The agents (all owned by one person who never decides), the approvers and the budgets. */
export async function seedSoak(db: Db, budgets: SoakBudgets): Promise<void> {
  await createUser(db, { id: OWNER, role: 'approver' });
  await createUser(db, { id: SOAK_ADMIN, role: 'admin' });
  for (const id of APPROVERS) await createUser(db, { id, role: 'approver' });
  for (const id of AGENTS) {
    await createAgent(db, { id, team: 'soak', ownerId: OWNER, allowedTools: ['demo.*', 'payments.*'] });
    await createBudget(db, { scope: 'agent', target: id, period: 'day', currency: 'USD', limit: budgets.perAgent });
  }
  await createBudget(db, { scope: 'tenant', target: TENANT_TARGET, period: 'day', currency: 'USD', limit: budgets.tenant });
}
