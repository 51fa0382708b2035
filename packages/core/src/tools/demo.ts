import { z } from 'zod';
import { defineToolSpec } from './define.js';
import { MoneyAmount, toCents } from './money.js';

/** A harmless tool: the auto-approved path and the benchmark use it. */
export const echoSpec = defineToolSpec({
  name: 'demo.echo',
  description: 'Returns its message. Low risk; runs without approval.',
  args: z.object({ message: z.string().max(10_000) }).strict(),
  risk: () => ({ tier: 'low', reasons: ['demo.echo has no side effects'] }),
});

/** Refunds against the demo ledger: the approval path's example, with a compensation. */
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
  risk: ({ amount, currency }) => {
    const cents = toCents(amount);
    if (cents > 100_000n) {
      return {
        tier: 'critical',
        reasons: [`refund of ${amount} ${currency} exceeds 1000.00: two approvers required`],
        approval: { requiredApprovals: 2 },
      };
    }
    if (cents > 5_000n) return { tier: 'high', reasons: [`refund of ${amount} ${currency} exceeds 50.00`] };
    return { tier: 'low', reasons: [`refund of ${amount} ${currency} is at most 50.00`] };
  },
});

/** Always fails: exercises the failure path and compensation. */
export const failingSpec = defineToolSpec({
  name: 'demo.fail',
  description: 'Fails with the given message. For tests and demos of the failure path.',
  args: z.object({ message: z.string().max(1000) }).strict(),
  risk: () => ({ tier: 'low', reasons: ['demo.fail only reports an error'] }),
});

export const demoToolSpecs = [echoSpec, refundSpec, failingSpec] as const;
