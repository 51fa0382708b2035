import { preparedStatement } from './prepared-statements.js';

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
  return escapeLiteral(text);
}

/**
 * pg.escapeLiteral's result, built with native string searches instead of its loop of one concatenation per
 * character: the audit append's hash inputs are kilobytes of hex per row, and that loop was about a tenth of a
 * millisecond of Node per auto-approved action (bench/README, "What would move the ratio"). The unit test checks
 * that both give the same literal for any text.
 */
function escapeLiteral(text: string): string {
  const quoted = text.includes("'") ? text.replaceAll("'", "''") : text;
  return text.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/**
 * A statement with its $n placeholders filled by the values' literals, for statements sent several to a message,
 * which the simple protocol runs without parameters. Sent as `EXECUTE name(literals)` of a statement each
 * connection prepares once (prepared-statements.ts, `session` mode), or as the text with the literals in place of
 * the placeholders (`inline` mode: in one pass, so an inlined value is never scanned again and a `$1` inside one stays
 * text). Either way each literal is typed by its parameter's context. Every placeholder must have a value.
 */
export function inlineParams(text: string, values: readonly SqlValue[]): string {
  const prepared = preparedStatement(text);
  if (prepared) {
    if (prepared.parameters > values.length) throw new RangeError(`inlineParams: $${prepared.parameters} has no value (${values.length} given)`);
    return prepared.parameters === 0 ? `EXECUTE ${prepared.name}` : `EXECUTE ${prepared.name}(${values.slice(0, prepared.parameters).map(sqlLiteral).join(', ')})`;
  }
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= values.length) throw new RangeError(`inlineParams: $${n} has no value (${values.length} given)`);
    return sqlLiteral(values[i]!);
  });
}
