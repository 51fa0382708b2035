/*
 * A receiver that answers 429 Too Many Requests or 503 Service Unavailable may say
 * when to come back (`Retry-After`, RFC 9110 §10.2.3): a number of seconds or an
 * HTTP date. The next attempt waits at least that long, never less than the retry
 * schedule's own wait, and at most the schedule's longest wait (its cap).
 */

/** The answers whose `Retry-After` is read (RFC 9110 for 503, RFC 6585 for 429); on any other it is ignored. */
export const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const WEEKDAY = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
// The three forms a recipient must accept (RFC 9110 §5.6.7): IMF-fixdate, then the obsolete RFC 850 and asctime.
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${WEEKDAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} \\d{4}$`);

/** What a `Retry-After` value says: a number of seconds, or an HTTP date (ms since the epoch); undefined for neither. */
export function readRetryAfter(value: string): { seconds: number } | { date: number } | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return { seconds: Number(text) };
  let date: number;
  if (IMF_FIXDATE.test(text) || RFC_850.test(text)) date = Date.parse(text);
  // asctime carries no zone and means UTC; Date.parse alone would read it as local time.
  else if (ASCTIME.test(text)) date = Date.parse(`${text} GMT`);
  else return undefined;
  return Number.isNaN(date) ? undefined : { date };
}

/**
 * How long `Retry-After` asks to wait from `now`, in ms: 0 for a date already past,
 * undefined for a value that is neither delta-seconds nor an HTTP date.
 */
export function retryAfterMs(value: string, now: number): number | undefined {
  const read = readRetryAfter(value);
  if (read === undefined) return undefined;
  return 'seconds' in read ? read.seconds * 1000 : Math.max(0, read.date - now);
}

/** What the delivery log says `Retry-After` did, after `Retry-After <value> …: `. */
export const RETRY_AFTER_OUTCOME = {
  /** It asked for no longer than the schedule's own wait. */
  scheduleLonger: 'the retry schedule waits longer',
  /** It asked for more than the cap. */
  capped: (capMs: number) => `waiting the ${duration(capMs)} cap instead`,
  /** It asked for more than the schedule, within the cap. */
  waited: 'the next attempt waits for it',
} as const;

export interface RetryWait {
  /** The wait before the next attempt (with `notBefore`: the schedule's, which the date can only lengthen). */
  ms: number;
  /** What the receiver's `Retry-After` did to it, for the delivery log; undefined when the answer had none to read, or it was a date. */
  note?: string;
  /**
   * An HTTP date: the next attempt is no earlier than `date`, nor than `ms` from now, and at most the cap from now.
   * Left to whoever stores the wait to reckon with its own clock (the dispatcher: the database's, which also
   * reckons every other wait and due time), not this process's, which may be skewed against it.
   */
  notBefore?: { date: Date; shown: string };
}

/**
 * The wait after a failed attempt: the schedule's (`scheduledMs`, jitter included),
 * or longer when a 429/503 answer's `Retry-After` asks for more, up to `capMs`.
 * A value that cannot be read is ignored (and said so): the schedule applies.
 * A date is returned as `notBefore`, not turned into a wait here (no clock is read).
 */
export function retryWait(scheduledMs: number, answer: { status: number | null; retryAfter?: string | undefined }, capMs: number): RetryWait {
  if (answer.status === null || !RETRY_AFTER_STATUSES.has(answer.status) || answer.retryAfter === undefined) return { ms: scheduledMs };
  const shown = answer.retryAfter.trim().slice(0, 64);
  const read = readRetryAfter(answer.retryAfter);
  if (read === undefined) return { ms: scheduledMs, note: `Retry-After ${JSON.stringify(shown)} ignored (neither seconds nor an HTTP date): the retry schedule applies` };
  if ('date' in read) return { ms: scheduledMs, notBefore: { date: new Date(read.date), shown } };
  const asked = read.seconds * 1000;
  const said = `Retry-After ${shown} s`;
  if (asked <= scheduledMs) return { ms: scheduledMs, note: `${said}: ${RETRY_AFTER_OUTCOME.scheduleLonger}` };
  if (asked > capMs) return { ms: Math.max(scheduledMs, capMs), note: `${said}: ${RETRY_AFTER_OUTCOME.capped(capMs)}` };
  return { ms: asked, note: `${said}: ${RETRY_AFTER_OUTCOME.waited}` };
}

/** A duration in the largest whole unit: `4 h`, `30 min`, `45 s` (under a second: `250 ms`). */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
