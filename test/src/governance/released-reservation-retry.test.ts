import { createActivities, defaultActivityDeps, defineTool, type AdmitAndRunAnswer, type ToolDefinition } from '@airlock/activities';
import { MoneyAmount } from '@airlock/core';
import { createAgent, createBudget, type Db } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { admissionInput } from '../support/actions.js';
import { useGovernanceDatabase } from './database.js';

// An action allowed outright whose tool fails: the fast path commits `failed` and releases the reservation in one
// transaction. When the worker dies before Temporal hears the answer, admitAndRun runs again, admission first. Its
// reservation step ran before the insert that tells a retry, found the released reservation and threw, on every
// attempt: the action row said failed and the workflow never ended. A released reservation is proof of the earlier
// commit: the retry answers from it.

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

const costlyFailure = defineTool({
  name: 'demo.costly_fail',
  description: 'costs its amount, then fails downstream',
  args: z.object({ amount: MoneyAmount }).strict(),
  cost: ({ amount }) => ({ amount, currency: 'EUR' }),
  execute: async () => {
    throw new Error('downstream answered 500');
  },
}) as ToolDefinition;

const policy = compilePolicy(
  `apiVersion: airlock/v1
rules:
  - id: costly
    tools: [demo.costly_fail]
    tier: low
    outcome: allow
    reason: allowed outright
`,
  'released-retry.yaml',
);

describe('a retried admitAndRun after a failed, costed run', () => {
  it('answers with the first attempt’s admission and outcome, the reservation released once', async () => {
    await createAgent(db, { id: 'spender', team: 'ops', allowedTools: ['demo.*'] });
    const budget = await createBudget(db, { scope: 'agent', target: 'spender', period: 'day', currency: 'EUR', limit: '1000.00' });
    const activities = createActivities(defaultActivityDeps(db, { current: () => policy }, [costlyFailure]));
    const input = admissionInput('released-retry', { agentId: 'spender', tool: 'demo.costly_fail', args: { amount: '40.00' }, rationale: 'r', idempotencyKey: 'k1' });
    const attempt = (n: number) => new MockActivityEnvironment({ attempt: n }).run<[], AdmitAndRunAnswer, () => Promise<AdmitAndRunAnswer>>(() => activities.admitAndRun(input));

    const failed = { completed: { status: 'failed', actionId: input.actionId, error: 'downstream answered 500' } };
    const first = await attempt(1);
    expect(first.run).toEqual(failed);
    expect(first.admission).toMatchObject({ classification: { decision: 'allow' }, budgetReserved: true });
    const reservations = async () => (await db.pool.query<{ action_id: string; status: string; amount: string }>('SELECT action_id, status, amount FROM budget_reservations')).rows;
    expect(await reservations()).toEqual([{ action_id: input.actionId, status: 'released', amount: '40.00' }]);

    // The worker died before Temporal recorded that answer: the retry reads it back instead of throwing for ever.
    const retry = await attempt(2);
    expect(retry.run).toEqual(failed);
    expect(retry.admission).toEqual(first.admission);
    expect(await reservations()).toEqual([{ action_id: input.actionId, status: 'released', amount: '40.00' }]);
    const usage = await db.pool.query('SELECT spent, reserved FROM budget_usage WHERE budget_id = $1', [budget.id]);
    expect(usage.rows).toEqual([{ spent: '0.00', reserved: '0.00' }]);
    const action = await db.prisma.action.findUniqueOrThrow({ where: { id: input.actionId } });
    expect(action.status).toBe('failed');
    const audit = await db.prisma.auditEvent.findMany({ where: { actionId: input.actionId }, orderBy: { seq: 'asc' }, select: { type: true } });
    // One admission, one run, one completion: the retry wrote nothing again.
    expect(audit.map((e) => e.type)).toEqual(['action.requested', 'budget.reserved', 'action.classified', 'tool.started', 'tool.failed', 'action.completed']);
  });
});
