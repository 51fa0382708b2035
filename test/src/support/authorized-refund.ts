import { submitAction } from '@airlock/core/gateway';
import { createAgent, createBudget } from '@airlock/db';
import { refundRequest, waitForStatus } from './actions.js';
import type { Harness } from './harness.js';

/**
 * A gate-only refund of 10.00 by a fresh agent of its own (with a daily budget), authorized and awaiting its report
 * within `reportWithinMs`: its action id and the authorization the agent holds.
 */
export async function authorizedRefund(h: Harness, agentId: string, reportWithinMs: number) {
  await createAgent(h.db, { id: agentId, team: agentId, allowedTools: ['payments.*'] });
  await createBudget(h.db, { scope: 'agent', target: agentId, period: 'day', currency: 'USD', limit: '1000.00' });
  const request = refundRequest({ agentId, amount: '10.00', idempotencyKey: `${agentId}-1`, execution: 'agent', reportWithinMs });
  const { actionId } = await submitAction(h.client, h.taskQueue, request);
  const view = await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_report');
  return { actionId, authorization: view.authorization! };
}

/** The promise's outcome as a value, never a rejection. */
export const settle = <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> =>
  promise.then(
    (value) => ({ status: 'fulfilled', value }) as const,
    (reason: unknown) => ({ status: 'rejected', reason }) as const,
  );
