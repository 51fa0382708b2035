import { z } from 'zod';
import { defineToolSpec, TOOL_RUN_MAX_MESSAGE, TOOL_RUN_MAX_MS } from './define.js';
import { MoneyAmount } from './money.js';

/** A harmless tool: the auto-approved path and the benchmark use it. */
export const echoSpec = defineToolSpec({
  name: 'demo.echo',
  description: 'Returns its message. Low risk; runs without approval.',
  args: z.object({ message: z.string().max(10_000) }).strict(),
});

/** Refunds against the demo ledger: the approval path's example, with a compensation. Costs its amount. */
export const refundSpec = defineToolSpec({
  name: 'payments.refund',
  description: 'Refunds part or all of a payment into the demo ledger. Reversible.',
  args: z
    .object({
      paymentId: z.string().min(1).max(64),
      amount: MoneyAmount,
      currency: z.enum(['USD', 'EUR', 'GBP']),
      reason: z.string().min(1).max(500),
    })
    .strict(),
  cost: ({ amount, currency }) => ({ amount, currency }),
});

/** Always fails: exercises the failure path and compensation. */
export const failingSpec = defineToolSpec({
  name: 'demo.fail',
  description: 'Fails with the given message. For tests and demos of the failure path.',
  args: z.object({ message: z.string().max(1000) }).strict(),
});

/** Waits, heartbeating: exercises cancellation of a running tool (kill switch). */
export const sleepSpec = defineToolSpec({
  name: 'demo.sleep',
  description: 'Waits for the given number of milliseconds, then returns. Cancellable.',
  args: z.object({ ms: z.number().int().min(0).max(TOOL_RUN_MAX_MS, TOOL_RUN_MAX_MESSAGE) }).strict(),
});

export const demoToolSpecs = [echoSpec, refundSpec, failingSpec, sleepSpec] as const;
