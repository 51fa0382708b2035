import { ISO_TIME_EXAMPLE, isoTimeProblem } from '@airlock/ops/iso-time';
import { CliError } from './cli-error.js';

// Options that take a point in time (--expires, --until): checked here so a typo is refused
// naming the option and the format, not with the schema's "expected date, received Date".
// ISO 8601 only, and a time the calendar has (the rule of @airlock/ops's ExpiresAt): Date.parse
// alone rolls "2027-02-30" over to March 2.

/** `value` unchanged when it is an ISO 8601 date or time the calendar has; otherwise a CliError naming `option`. */
export function isoTimeOption<T extends string | undefined>(option: string, value: T): T {
  if (value === undefined) return value;
  const problem = isoTimeProblem(value);
  if (problem === 'not ISO 8601') throw new CliError(`${option}: must be an ISO 8601 time such as ${ISO_TIME_EXAMPLE}`);
  if (problem === 'not on the calendar')
    throw new CliError(`${option}: ${value} is no time the calendar has (no such day of the month, or hour); must be an ISO 8601 time such as ${ISO_TIME_EXAMPLE}`);
  return value;
}
