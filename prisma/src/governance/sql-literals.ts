import pg from 'pg';

/** A value inlined into SQL text: what the hot path would otherwise send as a $n parameter. */
export type SqlValue = string | number | boolean | Date | null;

/** A NUL byte in a literal: PostgreSQL text cannot hold one, so it is refused before anything is sent. */
export class NulInSqlLiteralError extends Error {
  constructor() {
    super('a value sent to the database contains a NUL byte (U+0000), which PostgreSQL text cannot hold');
    this.name = 'NulInSqlLiteralError';
  }
}

/**
 * One value as a SQL literal, escaped by pg itself (quotes doubled; a backslash
 * makes it an E'' string with the backslash doubled). Every value is quoted, as
 * pg sends a parameter as untyped text: the literal is then typed by its context
 * exactly like the parameter it replaces. NULL stays NULL.
 */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  let text: string;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError('an invalid Date cannot be sent to the database');
    text = value.toISOString();
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${value} cannot be sent to the database as a number`);
    text = String(value);
  } else text = String(value);
  if (text.includes('\0')) throw new NulInSqlLiteralError();
  return pg.escapeLiteral(text);
}

/**
 * SQL text with its $n placeholders replaced by the values' literals, in one pass
 * (an inlined value is never scanned again, so a `$1` inside one stays text).
 * For statements sent several to a message, which the simple protocol runs
 * without parameters. Every placeholder must have a value.
 */
export function inlineParams(text: string, values: readonly SqlValue[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= values.length) throw new RangeError(`inlineParams: $${n} has no value (${values.length} given)`);
    return sqlLiteral(values[i]!);
  });
}
