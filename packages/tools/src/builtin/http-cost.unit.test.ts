import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from './circuit-breaker.js';
import { declaredHttpTools } from './http-tools.js';

// A declared HTTP tool's cost read from its arguments: exactly what budgets hold, or a refusal naming the argument.
// Read as "no cost" (as it was), an amount like "50.000" or a currency like "usd" passed every budget.

const refund = (cost: { amount: string; currency: string }) =>
  declaredHttpTools(
    [
      {
        name: 'stripe.refund',
        method: 'POST',
        url: 'https://api.stripe.test/v1/refunds',
        // The schema leaves the amount's type open: the cost is the last line of defence, not the schema.
        args: { type: 'object', properties: { amount: {}, currency: { type: 'string' } } },
        cost,
      },
    ],
    undefined,
    () => Promise.reject(new Error('no calls in this test')),
    new CircuitBreakers({ failureThreshold: 3, cooldownMs: 5_000 }),
    {},
  )[0]!;

const fromArgs = refund({ amount: 'args.amount', currency: 'args.currency' });
const costOf = (args: Record<string, unknown>) => fromArgs.cost!(args);

describe("a declared HTTP tool's cost read from its arguments", () => {
  it('is the amount as sent and the currency code in upper case', () => {
    expect(costOf({ amount: '50.00', currency: 'USD' })).toEqual({ amount: '50.00', currency: 'USD' });
    // What Stripe-style APIs take: checked against the USD budgets, never taken as free.
    expect(costOf({ amount: '50.00', currency: 'usd' })).toEqual({ amount: '50.00', currency: 'USD' });
    // A JSON number as written.
    expect(costOf({ amount: 12.5, currency: 'EUR' })).toEqual({ amount: '12.5', currency: 'EUR' });
    expect(costOf({ amount: 5000, currency: 'EUR' })).toEqual({ amount: '5000', currency: 'EUR' });
  });

  it('refuses, naming the argument, an amount budgets cannot hold exactly: never rounded, never free', () => {
    for (const amount of ['50.000', '050', '5e3', '1000000000000', '-5.00', '12.345', 'lots', ''] as const) {
      expect(() => costOf({ amount, currency: 'USD' }), amount).toThrow(`args.amount: ${JSON.stringify(amount)} is not an amount like "125.50"`);
    }
    // 12.345 was reserved as 12.35 while the call sent 12.345.
    for (const amount of [12.345, -5, 1e21, Number.NaN]) {
      expect(() => costOf({ amount, currency: 'USD' }), String(amount)).toThrow(`args.amount: ${String(amount)} is not an amount like "125.50"`);
    }
    expect(() => costOf({ amount: null, currency: 'USD' })).toThrow('args.amount: null is not an amount');
    expect(() => costOf({ amount: { value: '1.00' }, currency: 'USD' })).toThrow('args.amount: an object is not an amount');
    expect(() => costOf({ currency: 'USD' })).toThrow('args.amount is missing; the declared cost reads it');
  });

  it('refuses, naming the argument, a currency that is no three-letter code', () => {
    for (const currency of ['usdx', 'us', 'u$d', '']) {
      expect(() => costOf({ amount: '1.00', currency }), currency).toThrow(`args.currency: ${JSON.stringify(currency)} is not a currency code like "USD"`);
    }
    expect(() => costOf({ amount: '1.00', currency: 840 })).toThrow('args.currency: 840 is not a currency code');
    expect(() => costOf({ amount: '1.00' })).toThrow('args.currency is missing');
  });

  it('keeps literal parts as declared, and still refuses a bad literal at start-up', () => {
    expect(refund({ amount: '0.25', currency: 'args.currency' }).cost!({ currency: 'gbp' })).toEqual({ amount: '0.25', currency: 'GBP' });
    expect(() => refund({ amount: '0.255', currency: 'USD' })).toThrow('httpTools[0].cost.amount: "0.255" is neither a decimal amount');
    expect(() => refund({ amount: '1.00', currency: 'usd' })).toThrow('httpTools[0].cost.currency: "usd" is neither a currency code');
  });
});
