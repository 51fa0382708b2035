import type { StoredAuditEvent } from '@airlock/db';

/** The columns an export shows; the payload is copied as stored, never parsed: the export must match the hashed row. */
type ExportedRow = Pick<StoredAuditEvent, 'seq' | 'createdAt' | 'type' | 'actor' | 'actionId' | 'eventKey' | 'payload' | 'prevHash' | 'hash'>;

export const CSV_COLUMNS = ['seq', 'created_at', 'type', 'actor', 'action_id', 'event_key', 'payload', 'prev_hash', 'hash'] as const;

/** One audit row as exported: snake_case columns, seq as a string. */
function exportView(row: ExportedRow) {
  return {
    seq: row.seq.toString(),
    created_at: row.createdAt.toISOString(),
    type: row.type,
    actor: row.actor,
    action_id: row.actionId,
    event_key: row.eventKey,
    payload: row.payload,
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}

export function jsonLine(row: ExportedRow): string {
  return `${JSON.stringify(exportView(row))}\n`;
}

export function csvLine(row: ExportedRow): string {
  const v = exportView(row);
  return `${CSV_COLUMNS.map((c) => csvCell(c === 'payload' ? JSON.stringify(v.payload) : v[c])).join(',')}\n`;
}

// RFC 4180 quoting; a leading = + - @ is prefixed so spreadsheets never run a cell as a formula.
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
