import type { ChainRow } from './verifier.js';

/**
 * The chain's rows as `COPY … TO STDOUT` (text format) writes them: one line
 * per row, fields separated by tabs. The columns, in order, are those of
 * `CHAIN_ROWS_SELECT`; the timestamp comes formatted by the server as
 * toISOString writes it (what the hash covers).
 */
export const CHAIN_ROWS_SELECT = `SELECT seq, hash_version, event_key, action_id, type, actor, payload,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), prev_hash, hash
  FROM audit_events`;

const FIELDS = 10;

/**
 * Calls `onRow` for each row of `text` (whole lines, each ending in a newline)
 * until it returns false; returns how many rows it was given. Fields are
 * slices of `text` (no copy) and unescaped only when they hold a backslash,
 * which keeps a chunk of thousands of rows to a few allocations per row.
 */
export function forEachChainRow(text: string, onRow: (row: ChainRow) => boolean): number {
  const fields: (string | null)[] = new Array<string | null>(FIELDS);
  let rows = 0;
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    if (end < 0) throw new Error('COPY data ends in the middle of a row');
    let from = start;
    for (let i = 0; i < FIELDS; i++) {
      const to = i === FIELDS - 1 ? end : text.indexOf('\t', from);
      if (to < 0 || to > end) throw new Error(`a COPY row has ${i + 1} fields, not ${FIELDS}`);
      fields[i] = unescapeField(text.slice(from, to));
      from = to + 1;
    }
    if (from !== end + 1) throw new Error(`a COPY row has more than ${FIELDS} fields`);
    start = end + 1;
    rows++;
    if (!onRow(chainRow(fields))) break;
  }
  return rows;
}

/** One COPY text row's fields (in CHAIN_ROWS_SELECT's order) as a chain row. */
export function chainRow(f: (string | null)[]): ChainRow {
  return {
    seq: Number(f[0]),
    hashVersion: Number(f[1]),
    eventKey: f[2]!,
    actionId: f[3]!,
    type: f[4]!,
    actor: f[5]!,
    payload: JSON.parse(f[6]!) as unknown,
    createdAt: f[7]!,
    prevHash: f[8]!,
    hash: f[9]!,
  };
}

// COPY's text format escapes only these (and writes NULL as \N).
const ESCAPES: Record<string, string> = { '\\': '\\', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

export function unescapeField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}
