import { hash } from 'node:crypto';
import { ByteSink } from './byte-sink.js';
import { writeJcsOfJsonbText } from './jsonb-jcs.js';
import { writeTimestampText } from './timestamp-text.js';

const sink = new ByteSink();
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
// The jsonb binary format: a version byte, then the value's text.
const JSONB_VERSION = 1;

// The fixed parts of the hash input, as bytes.
const ascii = (text: string) => Buffer.from(text, 'latin1');
const OPEN_ACTION_ID = ascii('{"actionId":');
const NULL = ascii('null');
const ACTOR = ascii(',"actor":');
const CREATED_AT = ascii(',"createdAt":');
const EVENT_KEY = ascii(',"eventKey":');
const PAYLOAD = ascii(',"payload":');
const PREV_HASH = ascii(',"prevHash":');
const TYPE = ascii(',"type":');
const CLOSE = ascii(',"v":2}');

/** Field numbers in a chain tuple (CHAIN_ROWS_BINARY_COPY's columns). */
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
  const payload = fields[2 * F.payload]!;
  if (payload < 0 || bytes[payload] !== JSONB_VERSION) return undefined;
  // Room for every field and the fixed parts: nothing below checks for room but the payload's numbers (which make their own).
  sink.reset();
  sink.reserve(fields[2 * F.hash]! - fields[2 * F.seq]! + 128);
  let at = put(OPEN_ACTION_ID, 0);
  at = fields[2 * F.actionId]! < 0 ? put(NULL, at) : jcsString(bytes, fields, F.actionId, at);
  if (at < 0) return undefined;
  at = jcsString(bytes, fields, F.actor, put(ACTOR, at));
  if (at < 0) return undefined;
  sink.length = put(CREATED_AT, at);
  if (!createdAtString(bytes, fields)) return undefined;
  sink.reserve(fields[2 * F.eventKey + 1]! - fields[2 * F.eventKey]! + 64);
  at = jcsString(bytes, fields, F.eventKey, put(EVENT_KEY, sink.length));
  if (at < 0) return undefined;
  sink.length = put(PAYLOAD, at);
  if (!writeJcsOfJsonbText(bytes, payload + 1, fields[2 * F.payload + 1]!, sink)) return undefined;
  sink.reserve(fields[2 * F.prevHash + 1]! - fields[2 * F.prevHash]! + fields[2 * F.type + 1]! - fields[2 * F.type]! + 64);
  at = jcsString(bytes, fields, F.prevHash, put(PREV_HASH, sink.length));
  if (at < 0) return undefined;
  at = jcsString(bytes, fields, F.type, put(TYPE, at));
  if (at < 0) return undefined;
  sink.length = put(CLOSE, at);
  return hash('sha256', sink.view(), 'hex');
}

/** The timestamp as to_char wrote it (timestamp-text.ts), in quotes; false for NULL or ±infinity (to_char's NULL: the general path). */
function createdAtString(bytes: Buffer, fields: Int32Array): boolean {
  const start = fields[2 * F.createdAt]!;
  if (start < 0 || fields[2 * F.createdAt + 1]! - start !== 8) return false;
  sink.byte(QUOTE);
  if (!writeTimestampText(bytes, start, sink)) return false;
  sink.byte(QUOTE);
  return true;
}

function put(part: Buffer, at: number): number {
  const out = sink.bytes;
  for (let i = 0; i < part.length; i++) out[at + i] = part[i]!;
  return at + part.length;
}

/**
 * Writes a text field at `at` as a JCS string when it needs no escape (no
 * quote, backslash or control character): its UTF-8 bytes in quotes. Returns
 * the position after it, or -1 (a NULL too).
 */
function jcsString(bytes: Buffer, fields: Int32Array, field: number, at: number): number {
  const start = fields[2 * field]!;
  const end = fields[2 * field + 1]!;
  if (start < 0) return -1;
  const out = sink.bytes;
  out[at++] = QUOTE;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c === QUOTE || c === BACKSLASH) return -1;
    out[at++] = c;
  }
  out[at++] = QUOTE;
  return at;
}
