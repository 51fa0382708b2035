import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findSensitiveText, redactText } from '@airlock/guardrails';
import { describe, expect, it } from 'vitest';

// Issue #11 item 10: the card detector redacted a 14-digit migration timestamp
// (applied migration 20261122070000_analytics passes Luhn). Cards are now known
// issuer ranges at their brand's lengths, in the groupings cards are printed in.

const cards = (text: string) => findSensitiveText(text).filter((f) => f.kind === 'card');

describe('payment card detection', () => {
  // Published test numbers of each brand (Stripe, Adyen, PayPal/Braintree test card lists).
  it.each([
    ['Visa', '4111111111111111'],
    ['Visa', '4242 4242 4242 4242'],
    ['Visa', '4012-8888-8888-1881'],
    ['Visa (13 digits)', '4222222222222'],
    ['Mastercard', '5555 5555 5555 4444'],
    ['Mastercard', '5105105105105100'],
    ['Mastercard (2-series)', '2223003122003222'],
    ['American Express', '3782 822463 10005'],
    ['American Express', '371449635398431'],
    ['Discover', '6011 1111 1111 1117'],
    ['Discover', '6011000990139424'],
    ['Diners Club (14 digits)', '3056 930902 5904'],
    ['Diners Club (14 digits)', '38520000023237'],
    ['Diners Club (16 digits)', '3056930009020004'],
    ['JCB', '3530 1113 3330 0000'],
    ['JCB', '3566002020360505'],
    ['UnionPay', '6200000000000005'],
    ['UnionPay (19 digits)', '6205500000000000004'],
    ['Maestro', '6771 7980 2100 0008'],
    ['Maestro', '6759649826438453'],
    ['Mir', '2201382000000013'],
  ])('redacts a %s number (%s)', (_brand, number) => {
    const text = `pay with ${number}, thanks`;
    expect(cards(text)).toHaveLength(1);
    expect(redactText(text).text).toBe('pay with [REDACTED:card], thanks');
  });

  it('redacts a card number whatever word precedes it (a leaked card is the worse mistake)', () => {
    expect(redactText('order 4929123456789015').text).toBe('order [REDACTED:card]');
    expect(redactText('ref 4111 1111 1111 1111').text).toBe('ref [REDACTED:card]');
    expect(redactText('card:4111111111111111').text).toBe('card:[REDACTED:card]');
  });

  it.each([
    ['a 14-digit migration timestamp (Luhn-valid)', 'applied migration 20261122070000_analytics'],
    ['14-digit timestamps', 'created 20261122070000, updated 20261204200000, at 20260101000000'],
    ['epoch milliseconds and microseconds', 'at 1764748800000 (1764748800000000 µs)'],
    ['a Luhn-valid 16-digit timestamp with millis', 'stamp 2026112207000018'],
    ['ids glued to a prefix or suffix (Luhn-valid, in a card range)', 'ord_4929123456789015, INV4000056655665556, 5500123456786x'],
    ['an international phone number', 'call +4915123456787 or +14155552671'],
    ['an IMEI (15 digits, Luhn-valid)', 'IMEI 490154203237518'],
    ['a 13-digit id outside every issuer range', 'id 1234567890128 and 9876543210008'],
    ['snowflake ids', 'message 1865432109876543210 in channel 1234567890123456789'],
    ['a USPS tracking number', 'tracking 9400111899223197428490'],
    ['a Luhn-valid number in fours outside every range', '1234 5678 9012 3452'],
  ])('leaves %s alone', (_label, text) => {
    expect(cards(text)).toEqual([]);
    expect(redactText(text).text).not.toContain('[REDACTED:card]');
  });

  it('redacts none of the repository’s own migration names (what the start-up log prints)', () => {
    const dir = fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));
    const names = readdirSync(dir).filter((name) => /^\d{14}_/.test(name));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(redactText(`applied migration ${name}`).text).toBe(`applied migration ${name}`);
  });
});
