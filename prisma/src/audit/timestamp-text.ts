import type { ByteSink } from './byte-sink.js';

/*
 * The hash covers created_at as `to_char(created_at AT TIME ZONE 'UTC',
 * 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` writes it (toISOString's form for the
 * years 1 to 9999). The verifier reads the binary timestamp (microseconds
 * since 2000-01-01 UTC) and writes that text itself, to the byte, for every
 * timestamp PostgreSQL can hold: the server then skips to_char for each row.
 * to_char's rules: the proleptic Gregorian calendar, YYYY at least four
 * digits, a year BC written as its number (1 BC as 0001: no sign),
 * milliseconds truncated, and NULL for ±infinity.
 */

const MICROS_PER_DAY = 86_400_000_000;
// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const EPOCH_DAYS = 10_957;

const digits: number[] = [];

/** Writes the text for the timestamp in `bytes[start, start + 8)`; false for ±infinity (to_char gives NULL). */
export function writeTimestampText(bytes: Buffer, start: number, sink: ByteSink): boolean {
  const hi = bytes.readInt32BE(start);
  const lo = bytes.readUInt32BE(start + 4);
  if ((hi === 0x7fffffff && lo === 0xffffffff) || (hi === -0x80000000 && lo === 0)) return false;
  let days: number;
  let micros: number;
  if (hi >= -0x200000 && hi < 0x200000) {
    // Within ±2^53: exact as a double.
    const value = hi * 2 ** 32 + lo;
    days = Math.floor(value / MICROS_PER_DAY);
    micros = value - days * MICROS_PER_DAY;
    if (micros < 0) {
      days -= 1;
      micros += MICROS_PER_DAY;
    } else if (micros >= MICROS_PER_DAY) {
      days += 1;
      micros -= MICROS_PER_DAY;
    }
  } else {
    // Past ±2^53 µs (about ±285 years from 2000): BigInt, for the rare row so far out.
    const value = bytes.readBigInt64BE(start);
    const day = BigInt(MICROS_PER_DAY);
    let d = value / day;
    let r = value % day;
    if (r < 0n) {
      d -= 1n;
      r += day;
    }
    days = Number(d);
    micros = Number(r);
  }
  writeDate(days + EPOCH_DAYS, sink);
  const millis = Math.floor(micros / 1000);
  sink.byte(0x54); // T
  two(Math.floor(millis / 3_600_000), sink);
  sink.byte(0x3a);
  two(Math.floor(millis / 60_000) % 60, sink);
  sink.byte(0x3a);
  two(Math.floor(millis / 1000) % 60, sink);
  sink.byte(0x2e);
  const ms = millis % 1000;
  sink.byte(0x30 + Math.floor(ms / 100));
  two(ms % 100, sink);
  sink.byte(0x5a); // Z
  return true;
}

/** The text of the timestamp at `bytes[start, start + 8)`, or null for ±infinity: what the general path hashes. */
export function timestampText(bytes: Buffer, start: number, sink: ByteSink): string | null {
  sink.reset();
  return writeTimestampText(bytes, start, sink) ? sink.view().toString('latin1') : null;
}

/** YYYY-MM-DD for a day counted from 1970-01-01 (H. Hinnant's civil_from_days, floor division throughout). */
function writeDate(z0: number, sink: ByteSink): void {
  const z = z0 + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  // Year 0 is 1 BC, -1 is 2 BC: to_char's YYYY writes the BC number.
  let y = year <= 0 ? 1 - year : year;
  digits.length = 0;
  while (y > 0) {
    digits.push(y % 10);
    y = Math.floor(y / 10);
  }
  for (let i = digits.length; i < 4; i++) sink.byte(0x30);
  for (let i = digits.length - 1; i >= 0; i--) sink.byte(0x30 + digits[i]!);
  sink.byte(0x2d);
  two(month, sink);
  sink.byte(0x2d);
  two(day, sink);
}

function two(n: number, sink: ByteSink): void {
  sink.byte(0x30 + Math.floor(n / 10));
  sink.byte(0x30 + (n % 10));
}
