// A point in time an operator types: ISO 8601 only, and a time the calendar has. Date.parse alone
// takes "Dec 25 2030" and "2030", and rolls "2027-02-30" over to March 2 without a word.

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/i;

export const ISO_TIME_EXAMPLE = '2027-01-31T00:00:00Z';
export const ISO_TIME_REFUSED = `must be an ISO 8601 time that exists on the calendar, such as ${ISO_TIME_EXAMPLE}`;

/** Why `text` is no time an operator may type (not ISO 8601, or a time the calendar lacks), or undefined. */
export function isoTimeProblem(text: string): 'not ISO 8601' | 'not on the calendar' | undefined {
  const match = ISO_8601.exec(text);
  if (!match || Number.isNaN(Date.parse(text))) return 'not ISO 8601';
  const part = (i: number) => Number(match[i] ?? 0);
  const [year, month, day] = [part(1), part(2), part(3)];
  // The day must exist in its month (Date.UTC(y, m, 0) is the month's last day), the time in its day.
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return 'not on the calendar';
  if (part(4) > 23 || part(5) > 59 || part(6) > 59 || part(8) > 23 || part(9) > 59) return 'not on the calendar';
  return undefined;
}

/** The instant `text` names, or null when it is not ISO 8601 or names no real time (February 30th, 25:00). */
export function isoTime(text: string): Date | null {
  return isoTimeProblem(text) ? null : new Date(text);
}
