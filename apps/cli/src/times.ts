import { CliError } from './cli-error.js';

// Options that take a point in time (--expires, --until): checked here so a typo is refused
// naming the option and the format, not with the schema's "expected date, received Date".
// ISO 8601 only, and a time the calendar has: Date.parse alone rolls "2027-02-30" over to March 2.
// The rule of @airlock/ops's ExpiresAt (iso-time.ts), which has no entry of its own to import.

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/i;

export const ISO_TIME_EXAMPLE = '2027-01-31T00:00:00Z';

/** Whether the ISO 8601 `match` names a time that exists (no February 30th, no 25:00). */
function existsOnCalendar(match: RegExpExecArray): boolean {
  const part = (i: number) => Number(match[i] ?? 0);
  const [year, month, day] = [part(1), part(2), part(3)];
  // Date.UTC(y, m, 0) is the month's last day.
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  return part(4) <= 23 && part(5) <= 59 && part(6) <= 59 && part(8) <= 23 && part(9) <= 59;
}

/** `value` unchanged when it is an ISO 8601 date or time the calendar has; otherwise a CliError naming `option`. */
export function isoTimeOption<T extends string | undefined>(option: string, value: T): T {
  if (value === undefined) return value;
  const match = ISO_8601.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) throw new CliError(`${option}: must be an ISO 8601 time such as ${ISO_TIME_EXAMPLE}`);
  if (!existsOnCalendar(match))
    throw new CliError(`${option}: ${value} is no time the calendar has (no such day of the month, or hour); must be an ISO 8601 time such as ${ISO_TIME_EXAMPLE}`);
  return value;
}
