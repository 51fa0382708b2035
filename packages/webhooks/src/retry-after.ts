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

/**
 * How long `Retry-After` asks to wait from `now`, in ms: 0 for a date already past,
 * undefined for a value that is neither delta-seconds nor an HTTP date.
 */
export function retryAfterMs(value: string, now: number): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  let date: number;
  if (IMF_FIXDATE.test(text) || RFC_850.test(text)) date = Date.parse(text);
  // asctime carries no zone and means UTC; Date.parse alone would read it as local time.
  else if (ASCTIME.test(text)) date = Date.parse(`${text} GMT`);
  else return undefined;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryWait {
  /** The wait before the next attempt. */
  ms: number;
  /** What the receiver's `Retry-After` did to it, for the delivery log; undefined when the answer had none to read. */
  note?: string;
}

/**
 * The wait after a failed attempt: the schedule's (`scheduledMs`, jitter included),
 * or longer when a 429/503 answer's `Retry-After` asks for more, up to `capMs`.
 * A value that cannot be read is ignored (and said so): the schedule applies.
 */
export function retryWait(scheduledMs: number, answer: { status: number | null; retryAfter?: string | undefined }, capMs: number, now: number): RetryWait {
  if (answer.status === null || !RETRY_AFTER_STATUSES.has(answer.status) || answer.retryAfter === undefined) return { ms: scheduledMs };
  const shown = answer.retryAfter.trim().slice(0, 64);
  const asked = retryAfterMs(answer.retryAfter, now);
  if (asked === undefined) return { ms: scheduledMs, note: `Retry-After ${JSON.stringify(shown)} ignored (neither seconds nor an HTTP date): the retry schedule applies` };
  const said = /^\d+$/.test(shown) ? `Retry-After ${shown} s` : `Retry-After ${shown} (${Math.ceil(asked / 1000)} s)`;
  if (asked <= scheduledMs) return { ms: scheduledMs, note: `${said}: the retry schedule waits longer` };
  if (asked > capMs) return { ms: Math.max(scheduledMs, capMs), note: `${said}: waiting the ${duration(capMs)} cap instead` };
  return { ms: asked, note: `${said}: the next attempt waits for it` };
}

/** A cap in the largest whole unit: `4 h`, `30 min`, `45 s`. */
function duration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
