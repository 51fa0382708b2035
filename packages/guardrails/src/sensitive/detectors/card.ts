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

/**
 * Payment card numbers: 13–19 digits passing Luhn, not starting with 0, written plain
 * or in the groups cards use (a first group of four, then groups of four to six, one
 * kind of separator). A card may sit inside a longer run of groups
 * ("ref 12 4111 1111 1111 1111"), so every group-aligned window is tried.
 */
export const card: Detector = {
  kind: 'card',
  name: 'payment_card',
  *find(text) {
    for (const run of text.matchAll(DIGIT_RUN)) {
      const groups: DigitGroup[] = [...run[0].matchAll(/\d+/g)].map((g) => ({
        digits: g[0],
        start: run.index + g.index,
        end: run.index + g.index + g[0].length,
        separator: run[0].charAt(g.index + g[0].length),
      }));
      for (let first = 0; first < groups.length; first++) {
        for (let last = first, length = 0; last < groups.length; last++) {
          const window = groups.slice(first, last + 1);
          length += window.at(-1)?.digits.length ?? 0;
          if (length > MAX_DIGITS) break;
          const digits = window.map((g) => g.digits).join('');
          if (length >= MIN_DIGITS && digits[0] !== '0' && isCardGrouping(window) && luhnValid(digits)) {
            yield { start: window[0]?.start ?? 0, end: window.at(-1)?.end ?? 0 };
          }
        }
      }
    }
  },
};

function isCardGrouping(window: readonly DigitGroup[]): boolean {
  if (window.length === 1) return true;
  const separators = new Set(window.slice(0, -1).map((g) => g.separator));
  return (
    separators.size === 1 &&
    window[0]?.digits.length === 4 &&
    window.slice(1, -1).every((g) => g.digits.length >= 4 && g.digits.length <= 6) &&
    (window.at(-1)?.digits.length ?? 0) <= 6
  );
}
