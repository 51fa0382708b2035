import { luhnValid } from '../checksums.js';
import type { Detector } from '../types.js';

// Runs of digit groups joined by single spaces or dashes, not part of a longer number or decimal.
const DIGIT_RUN = /(?<!\d|\d[.,])\d+(?:[ -]\d+)*(?!\d|[.,]\d)/g;
const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

interface DigitGroup {
  digits: string;
  start: number;
  end: number;
  /** The character joining this group to the next one ('' for the last). */
  separator: string;
}

interface IssuerRange {
  brand: string;
  /** Inclusive bounds on the number's first `low.length` digits. */
  low: string;
  high: string;
  lengths: readonly number[];
}

const range = (brand: string, low: string, high: string, lengths: readonly number[]): IssuerRange => ({ brand, low, high, lengths });
const SIXTEEN_TO_NINETEEN = [16, 17, 18, 19] as const;

/**
 * Issuer identification number (IIN) ranges and the lengths each brand issues
 * (ISO/IEC 7812 as the brands publish them). A Luhn-valid number outside these
 * (a 14-digit timestamp such as 20261122070000, most order ids) is no card.
 */
const ISSUER_RANGES: readonly IssuerRange[] = [
  range('visa', '4', '4', [13, 16, 19]),
  range('mastercard', '51', '55', [16]),
  range('mastercard', '2221', '2720', [16]),
  range('amex', '34', '34', [15]),
  range('amex', '37', '37', [15]),
  range('diners', '300', '305', [14, 16, 17, 18, 19]),
  range('diners', '3095', '3095', [14, 16, 17, 18, 19]),
  range('diners', '36', '36', [14, 16, 17, 18, 19]),
  range('diners', '38', '39', [14, 16, 17, 18, 19]),
  range('jcb', '3528', '3589', SIXTEEN_TO_NINETEEN),
  range('discover', '6011', '6011', SIXTEEN_TO_NINETEEN),
  range('discover', '644', '649', SIXTEEN_TO_NINETEEN),
  range('discover', '65', '65', SIXTEEN_TO_NINETEEN),
  range('unionpay', '62', '62', SIXTEEN_TO_NINETEEN),
  range('unionpay', '81', '81', SIXTEEN_TO_NINETEEN),
  range('maestro', '50', '50', [13, 14, 15, 16, 17, 18, 19]),
  range('maestro', '56', '58', [13, 14, 15, 16, 17, 18, 19]),
  range('maestro', '6304', '6304', [13, 14, 15, 16, 17, 18, 19]),
  range('maestro', '67', '67', [13, 14, 15, 16, 17, 18, 19]),
  range('mir', '2200', '2204', [16, 17, 18, 19]),
  range('rupay', '60', '60', SIXTEEN_TO_NINETEEN),
  range('rupay', '508', '508', SIXTEEN_TO_NINETEEN),
  range('troy', '9792', '9792', [16]),
];

/** The brand whose IIN range and lengths this number fits, if any. */
export function cardBrand(digits: string): string | undefined {
  return ISSUER_RANGES.find((r) => r.lengths.includes(digits.length) && inRange(digits.slice(0, r.low.length), r))?.brand;
}

function inRange(prefix: string, r: IssuerRange): boolean {
  return prefix.length === r.low.length && prefix >= r.low && prefix <= r.high;
}

/** A letter or underscore: digits glued to one are part of a token (a file name, an id such as `ord_…`), not a written card number. */
const TOKEN_CHAR = /[A-Za-z_]/;

/**
 * Payment card numbers: a known issuer range at one of its brand's lengths,
 * passing Luhn, written plain or in the groups cards are printed in (fours;
 * 4-6-5 for 15 digits, 4-6-4 for 14; one kind of separator). A card may sit
 * inside a longer run of groups ("ref 12 4111 1111 1111 1111"), so every
 * group-aligned window is tried. Context: a run after "+" is a phone number,
 * and digits glued to a letter or "_" (`20261122070000_analytics`, `ord_4929…`)
 * belong to that token. Words nearby never excuse a number: "order 4111…" is
 * still redacted, since a card leaked into the audit log is the worse mistake.
 */
export const card: Detector = {
  kind: 'card',
  name: 'payment_card',
  mayOccur: (_text, facts) => facts.digits >= MIN_DIGITS,
  *find(text) {
    for (const run of text.matchAll(DIGIT_RUN)) {
      // Fewer characters than a card has digits (a date, a hash's short digit runs): no window can be one.
      if (run[0].length < MIN_DIGITS) continue;
      const groups: DigitGroup[] = [...run[0].matchAll(/\d+/g)].map((g) => ({
        digits: g[0],
        start: run.index + g.index,
        end: run.index + g.index + g[0].length,
        separator: run[0].charAt(g.index + g[0].length),
      }));
      for (let first = 0; first < groups.length; first++) {
        let digits = '';
        for (let last = first; last < groups.length; last++) {
          // Every card grouping starts with four digits: a shorter or longer first group only stands alone.
          if (last > first && groups[first]?.digits.length !== 4) break;
          digits += groups[last]?.digits ?? '';
          if (digits.length > MAX_DIGITS) break;
          if (digits.length < MIN_DIGITS) continue;
          const window = groups.slice(first, last + 1);
          const start = window[0]?.start ?? 0;
          const end = window.at(-1)?.end ?? 0;
          // "+49…" is a phone number in international form: cards are never written with a sign.
          const before = text.charAt(start - 1);
          if (before === '+' || TOKEN_CHAR.test(before) || TOKEN_CHAR.test(text.charAt(end))) continue;
          if (isCardGrouping(window, digits.length) && cardBrand(digits) !== undefined && luhnValid(digits)) yield { start, end };
        }
      }
    }
  },
};

function isCardGrouping(window: readonly DigitGroup[], length: number): boolean {
  if (window.length === 1) return true;
  const separators = new Set(window.slice(0, -1).map((g) => g.separator));
  if (separators.size !== 1) return false;
  const sizes = window.map((g) => g.digits.length);
  const lastSize = sizes.at(-1) ?? 0;
  const inFours = sizes.slice(0, -1).every((s) => s === 4) && lastSize >= 1 && lastSize <= 4;
  const sizesAre = (...expected: number[]) => sizes.length === expected.length && sizes.every((s, i) => s === expected[i]);
  return inFours || (length === 15 && sizesAre(4, 6, 5)) || (length === 14 && sizesAre(4, 6, 4));
}
