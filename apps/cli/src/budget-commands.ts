import { changeBudget, createBudget, deleteBudget } from '@airlock/ops/budgets';
import { runUseCase } from '@airlock/ops/use-case';
import { CliError } from './cli-error.js';
import { cliOperator, withDb } from './runtime.js';

// `airlock budgets ...`: spending caps per agent, team or tenant, per day or month.

export async function createBudgetCommand(options: {
  scope: string;
  target?: string;
  period: string;
  currency: string;
  limit: string;
  threshold?: string;
  by?: string;
}): Promise<string> {
  // The option is optional only for the tenant, whose target the CLI fills in.
  if ((options.scope === 'agent' || options.scope === 'team') && options.target === undefined) {
    throw new CliError(`--target: required with --scope ${options.scope}: the ${options.scope === 'agent' ? 'agent id' : 'team name'} the budget covers`);
  }
  return withDb(async (db) => {
    const budget = await runUseCase({ db }, await cliOperator(db, options.by), createBudget, {
      scope: options.scope,
      target: options.scope === 'tenant' ? (options.target ?? '*') : options.target,
      period: options.period,
      currency: options.currency,
      limit: options.limit,
      ...(options.threshold !== undefined ? { approvalThreshold: options.threshold } : {}),
    });
    return `created budget ${budget.id}: ${budget.scope} ${budget.target} ${budget.limit} ${budget.currency} per ${budget.period}${budget.approvalThreshold ? `, approval above ${budget.approvalThreshold}` : ''}`;
  });
}

export async function changeBudgetCommand(id: string, options: { limit?: string; threshold?: string | false; by?: string }): Promise<string> {
  return withDb(async (db) => {
    const budget = await runUseCase({ db }, await cliOperator(db, options.by), changeBudget, {
      id,
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      // --no-threshold removes it.
      ...(options.threshold === false ? { approvalThreshold: null } : options.threshold !== undefined ? { approvalThreshold: options.threshold } : {}),
    });
    return `changed budget ${budget.id}: limit ${budget.limit} ${budget.currency}, approval threshold ${budget.approvalThreshold ?? 'none'}`;
  });
}

export async function deleteBudgetCommand(id: string, options: { by?: string }): Promise<string> {
  return withDb(async (db) => {
    await runUseCase({ db }, await cliOperator(db, options.by), deleteBudget, { id });
    return `deleted budget ${id}`;
  });
}
