import { ActionRequest, type ActionRequestInput, type ActionStatusView, type GuardedActionInput } from '@airlock/core';
import { getActionStatus, submitAction } from '@airlock/core/gateway';
import { argsHash, deriveActionId } from '@airlock/core/hashing';
import type { Client } from '@temporalio/client';

export function refundRequest(overrides: Partial<ActionRequestInput> & { amount?: string } = {}): ActionRequestInput {
  const { amount = '125.00', ...rest } = overrides;
  return {
    agentId: 'billing-bot',
    tool: 'payments.refund',
    args: { paymentId: 'pay_123', amount, currency: 'USD', reason: 'duplicate charge' },
    rationale: 'The customer was charged twice for order 881.',
    idempotencyKey: `refund-${Math.random().toString(36).slice(2)}`,
    ...rest,
  };
}

/** What admission is handed for `request` when it arrives on `taskQueue`, as the gateway derives it. */
export function admissionInput(taskQueue: string, request: ActionRequestInput): GuardedActionInput {
  const parsed = ActionRequest.parse(request);
  return { actionId: deriveActionId(taskQueue, parsed.agentId, parsed.idempotencyKey), argsHash: argsHash(parsed.args), request: parsed };
}

/** Polls the workflow's status query until `predicate` holds (queries are cheap; no fixed sleeps). */
export async function waitForStatus(client: Client, actionId: string, predicate: (s: ActionStatusView) => boolean, timeoutMs = 20_000): Promise<ActionStatusView> {
  const started = Date.now();
  let last: ActionStatusView | undefined;
  for (;;) {
    try {
      last = await getActionStatus(client, actionId);
      if (predicate(last)) return last;
    } catch {
      // The first workflow task may not have run yet.
    }
    if (Date.now() - started > timeoutMs) throw new Error(`status never matched; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function submitAndWaitForApproval(client: Client, taskQueue: string, request: ActionRequestInput) {
  const submitted = await submitAction(client, taskQueue, request);
  const status = await waitForStatus(client, submitted.actionId, (s) => s.phase === 'awaiting_approval');
  return { ...submitted, status };
}
