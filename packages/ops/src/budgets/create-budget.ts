import { randomUUID } from 'node:crypto';
import { NewBudget, sqlState } from '@airlock/db';
import { OpsError, invalidField } from '../errors.js';
import { defineUseCase } from '../use-case.js';
import { BUDGET_COLUMNS, budgetAuditFields, toBudget } from './budget-row.js';

/** A spending cap per scope, target, period and currency (admin); a second for the same four is a conflict: change that one instead. */
export const createBudget = defineUseCase({
  name: 'budget.create',
  role: 'admin',
  input: NewBudget,
  async write(tx, input) {
    // A typo would make a cap that never applies; a team's may come before its agents do.
    if (input.scope === 'agent' && (await tx.query('SELECT 1 FROM agents WHERE id = $1', [input.target])).rowCount === 0) {
      throw invalidField('target', `no agent "${input.target}"`);
    }
    try {
      const { rows } = await tx.query<Parameters<typeof toBudget>[0]>(
        `INSERT INTO budgets (id, scope, target, period, currency, limit_amount, approval_threshold)
         VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric) RETURNING ${BUDGET_COLUMNS}`,
        [randomUUID(), input.scope, input.target, input.period, input.currency, input.limit, input.approvalThreshold ?? null],
      );
      const budget = toBudget(rows[0]!);
      return { result: budget, audit: { type: 'budget.created', payload: budgetAuditFields(budget) } };
    } catch (error) {
      if (sqlState(error) !== '23505') throw error;
      throw new OpsError(
        'conflict',
        `a ${input.period} ${input.currency} budget for ${input.scope}/${input.target} already exists; change it instead`,
        [{ path: 'target', message: 'has this budget already' }],
        'already_exists',
      );
    }
  },
});
