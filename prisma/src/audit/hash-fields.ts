import { hash } from 'node:crypto';
import { ByteSink } from './byte-sink.js';
import { writeJcsOfJsonbText } from './jsonb-jcs.js';

const sink = new ByteSink();
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
// The jsonb binary format: a version byte, then the value's text.
const JSONB_VERSION = 1;

/** Field numbers in a chain tuple (CHAIN_ROWS_SELECT's columns). */
export const F = { seq: 0, hashVersion: 1, eventKey: 2, actionId: 3, type: 4, actor: 5, payload: 6, createdAt: 7, prevHash: 8, hash: 9 } as const;

/**
 * The hex SHA-256 of a version-2 row's hash input (auditHashInputV2: RFC 8785
 * of { actionId, actor, createdAt, eventKey, payload, prevHash, type, v: 2 }),
 * assembled from its binary COPY fields as bytes: the same bytes as the UTF-8
 * of auditHashInputV2's string, with no string, object or parse per row.
 * Undefined when a field needs what only the general path does (a string JCS
 * must escape, a NULL where the schema has none, a payload writeJcsOfJsonbText
 * leaves to JSON.parse): the caller then hashes the row that way.
 */
export function rowHashV2OfFields(bytes: Buffer, fields: Int32Array): string | undefined {
  sink.reset();
  sink.ascii('{"actionId":');
  if (fields[2 * F.actionId]! < 0) sink.ascii('null');
  else if (!jcsString(bytes, fields, F.actionId)) return undefined;
  sink.ascii(',"actor":');
  if (!jcsString(bytes, fields, F.actor)) return undefined;
  sink.ascii(',"createdAt":');
  if (!jcsString(bytes, fields, F.createdAt)) return undefined;
  sink.ascii(',"eventKey":');
  if (!jcsString(bytes, fields, F.eventKey)) return undefined;
  sink.ascii(',"payload":');
  const payload = fields[2 * F.payload]!;
  if (payload < 0 || bytes[payload] !== JSONB_VERSION) return undefined;
  if (!writeJcsOfJsonbText(bytes, payload + 1, fields[2 * F.payload + 1]!, sink)) return undefined;
  sink.ascii(',"prevHash":');
  if (!jcsString(bytes, fields, F.prevHash)) return undefined;
  sink.ascii(',"type":');
  if (!jcsString(bytes, fields, F.type)) return undefined;
  sink.ascii(',"v":2}');
  return hash('sha256', sink.view(), 'hex');
}

/** Writes a text field as a JCS string when it needs no escape (no quote, backslash or control character): its UTF-8 bytes in quotes. */
function jcsString(bytes: Buffer, fields: Int32Array, field: number): boolean {
  const start = fields[2 * field]!;
  const end = fields[2 * field + 1]!;
  if (start < 0) return false;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c === QUOTE || c === BACKSLASH) return false;
  }
  sink.byte(QUOTE);
  sink.copy(bytes, start, end);
  sink.byte(QUOTE);
  return true;
}
