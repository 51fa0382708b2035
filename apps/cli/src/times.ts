import { CliError } from './cli-error.js';

// Options that take a point in time (--expires, --until): checked here so a typo is refused
// naming the option and the format, not with the schema's "expected date, received Date".

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

export const ISO_TIME_EXAMPLE = '2027-01-31T00:00:00Z';

/** `value` unchanged when it is an ISO 8601 date or time; otherwise a CliError naming `option`. */
export function isoTimeOption<T extends string | undefined>(option: string, value: T): T {
  if (value === undefined) return value;
  if (!ISO_8601.test(value) || Number.isNaN(Date.parse(value))) {
    throw new CliError(`${option}: must be an ISO 8601 time such as ${ISO_TIME_EXAMPLE}`);
  }
  return value;
}
