import type { ChainRow } from './verifier.js';

/**
 * The chain's rows as the text readers (readChainRows: exports, the bench)
 * ask `COPY … TO STDOUT` for them: one line per row, fields separated by tabs,
 * the timestamp formatted by the server as toISOString writes it (what the
 * hash covers). The verifier reads the binary format instead (copy-binary.ts).
 */
export const CHAIN_ROWS_SELECT = `SELECT seq, hash_version, event_key, action_id, type, actor, payload,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), prev_hash, hash
  FROM audit_events`;

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
