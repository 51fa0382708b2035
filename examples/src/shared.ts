import { pathToFileURL } from 'node:url';

/** What each example's run ends with: the model's last answer and the refunds the agent's own code made. */
export interface RefundRun {
  answer: string;
  refunds: unknown[];
  /** Whether a person had to decide (the run waited on Airlock). */
  pending: boolean;
}

/** Arguments of Airlock's `payments.refund` (the default policy approves up to 50.00 alone). */
export function refundArgs(amount: string) {
  return { paymentId: 'pay_123', amount, currency: 'USD', reason: 'duplicate charge' };
}

/**
 * The scripted model every example uses: first it calls the refund tool, then it
 * answers with what the tool returned, or why the call was refused (so the
 * approver's feedback visibly reaches the model).
 */
export function mockRefundModelTurn(toolResult: string | undefined): { kind: 'call' } | { kind: 'answer'; text: string } {
  if (toolResult === undefined) return { kind: 'call' };
  return { kind: 'answer', text: `Refund ${toolResult}` };
}

/** True when the module is the script node was started with (not imported by a test). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === moduleUrl;
}
