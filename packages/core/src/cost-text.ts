// Cost estimates as people read them, the same in the CLI and the console (client components
// included, so this module imports nothing): budgets are per currency, so amounts in different
// currencies are shown side by side, never added together.

/** `20.00 EUR`, or saying the currency is not recorded; empty for no estimate. */
export function costText(amount: string | null, currency: string | null): string {
  if (amount === null) return '';
  return currency ? `${amount} ${currency}` : `${amount} (currency not recorded)`;
}

/** Sums per currency: `20.00 USD + 30.00 EUR`; `no cost` when there are none. */
export function amountsText(amounts: readonly { currency: string | null; amount: string }[]): string {
  return amounts.map((a) => costText(a.amount, a.currency)).join(' + ') || 'no cost';
}
