import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryWait } from './retry-after.js';

const now = Date.parse('2026-12-06T08:00:00.000Z');
const HOUR = 3_600_000;

describe('Retry-After', () => {
  it('reads delta-seconds and the three HTTP date forms (RFC 9110 §5.6.7), a past date as no wait', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Sun, 06 Dec 2026 09:00:00 GMT', now)).toBe(HOUR);
    expect(retryAfterMs('Sunday, 06-Dec-26 09:00:00 GMT', now)).toBe(HOUR);
    expect(retryAfterMs('Sun Dec  6 09:00:00 2026', now)).toBe(HOUR);
    expect(retryAfterMs('Sun, 06 Dec 2026 07:00:00 GMT', now)).toBe(0);
  });

  it('refuses what is neither: negative or fractional seconds, ISO dates, words', () => {
    for (const garbage of ['-5', '1.5', '2026-12-06T09:00:00Z', 'soon', '', 'Sun, 06 Dec 2026 09:00:00 PST', 'Sun, 32 Foo 2026 09:00:00 GMT'])
      expect(retryAfterMs(garbage, now), garbage).toBeUndefined();
  });

  it('lengthens the scheduled wait, never shortens it, and stops at the cap', () => {
    const answer = (status: number, retryAfter?: string) => ({ status, ...(retryAfter === undefined ? {} : { retryAfter }) });
    expect(retryWait(5_000, answer(503, '120'), 4 * HOUR)).toEqual({ ms: 120_000, note: 'Retry-After 120 s: the next attempt waits for it' });
    // A date is not turned into a wait with this process's clock: it is handed on, for the database's clock to reckon.
    expect(retryWait(5_000, answer(429, 'Sun, 06 Dec 2026 09:00:00 GMT'), 4 * HOUR)).toEqual({
      ms: 5_000,
      notBefore: { date: new Date('2026-12-06T09:00:00.000Z'), shown: 'Sun, 06 Dec 2026 09:00:00 GMT' },
    });
    expect(retryWait(5_000, answer(503, 'Sun Dec  6 09:00:00 2026'), 4 * HOUR).notBefore?.date).toEqual(new Date('2026-12-06T09:00:00.000Z'));
    expect(retryWait(60_000, answer(503, '2'), 4 * HOUR)).toEqual({ ms: 60_000, note: 'Retry-After 2 s: the retry schedule waits longer' });
    expect(retryWait(5_000, answer(503, '86400'), 4 * HOUR)).toEqual({ ms: 4 * HOUR, note: 'Retry-After 86400 s: waiting the 4 h cap instead' });
    expect(retryWait(5_000, answer(503, 'soon'), 4 * HOUR)).toEqual({
      ms: 5_000,
      note: 'Retry-After "soon" ignored (neither seconds nor an HTTP date): the retry schedule applies',
    });
    // Only 429 and 503 are read; without the header, or with no answer at all, the schedule stands unremarked.
    expect(retryWait(5_000, answer(500, '120'), 4 * HOUR)).toEqual({ ms: 5_000 });
    expect(retryWait(5_000, answer(503), 4 * HOUR)).toEqual({ ms: 5_000 });
    expect(retryWait(5_000, { status: null }, 4 * HOUR)).toEqual({ ms: 5_000 });
  });
});
