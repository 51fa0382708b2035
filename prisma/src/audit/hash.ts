// Subpaths, not the package index: verification worker threads load this file and nothing they do not need.
import { legacyCanonicalJson } from '@airlock/core/canonical-json';
import { canonicalJsonOfParsed } from '@airlock/core/canonical-json-parsed';
import { sha256Hex } from '@airlock/core/hashing';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * How a row's hash was computed (audit_events.hash_version), so rows written
 * before RFC 8785 stay verifiable:
 * - 1: legacy canonical JSON of { prevHash, eventKey, actionId, type, actor, payload, createdAt }.
 * - 2: RFC 8785 (JCS) of the same members plus "v": 2. docs/AUDIT-FORMAT.md is the spec.
 */
export type AuditHashVersion = 1 | 2;
export const CURRENT_AUDIT_HASH_VERSION: AuditHashVersion = 2;

/** What a row's hash covers: the previous hash and every column but seq (assigned by the database, with gaps). */
export interface HashedAuditFields {
  prevHash: string;
  eventKey: string;
  actionId: string | null;
  type: string;
  actor: string;
  payload: unknown;
  /** A Date, or its ISO 8601 form with milliseconds and Z (as toISOString writes it). */
  createdAt: Date | string;
  hashVersion?: AuditHashVersion;
}

export function auditRowHash(row: HashedAuditFields): string {
  const createdAt = typeof row.createdAt === 'string' ? row.createdAt : row.createdAt.toISOString();
  if ((row.hashVersion ?? CURRENT_AUDIT_HASH_VERSION) === 1) {
    return sha256Hex(
      legacyCanonicalJson({ prevHash: row.prevHash, eventKey: row.eventKey, actionId: row.actionId, type: row.type, actor: row.actor, payload: row.payload, createdAt }),
    );
  }
  return sha256Hex(auditHashInputV2(row, createdAt));
}

/**
 * RFC 8785 of { actionId, actor, createdAt, eventKey, payload, prevHash, type, v: 2 }.
 * Written member by member in JCS key order (the test pins it byte-equal to
 * canonicalJson of the whole object): the verifier calls this for every row, and
 * building then re-sorting a wrapper object per row costs more than hashing it.
 * The payload is always a JSON value (it round-trips through JSON before it is
 * hashed or stored), so the fast exact serialiser applies.
 */
export function auditHashInputV2(row: Omit<HashedAuditFields, 'createdAt' | 'hashVersion'>, createdAt: string): string {
  return `${inputBeforePrevHash(row, createdAt)},"prevHash":${canonicalJsonOfParsed(row.prevHash)}${inputAfterPrevHash(row)}`;
}

/**
 * auditHashInputV2 split around the previous row's hash, quotes included: the
 * input is `before + prevHash + after` for a prevHash of hex digits (which JCS
 * writes unescaped). The database chains rows with it (auditAppendStatement):
 * it reads the head and hashes these bytes around it in the statement that inserts.
 */
export function auditHashInputV2Around(row: Omit<HashedAuditFields, 'createdAt' | 'hashVersion' | 'prevHash'>, createdAt: string): { before: string; after: string } {
  return { before: `${inputBeforePrevHash(row, createdAt)},"prevHash":"`, after: `"${inputAfterPrevHash(row)}` };
}

// The members before "prevHash" and after it, in JCS key order.
function inputBeforePrevHash(row: Omit<HashedAuditFields, 'createdAt' | 'hashVersion' | 'prevHash'>, createdAt: string): string {
  return (
    `{"actionId":${row.actionId === null ? 'null' : canonicalJsonOfParsed(row.actionId)}` +
    `,"actor":${canonicalJsonOfParsed(row.actor)}` +
    `,"createdAt":${canonicalJsonOfParsed(createdAt)}` +
    `,"eventKey":${canonicalJsonOfParsed(row.eventKey)}` +
    `,"payload":${canonicalJsonOfParsed(row.payload)}`
  );
}

function inputAfterPrevHash(row: Pick<HashedAuditFields, 'type'>): string {
  return `,"type":${canonicalJsonOfParsed(row.type)},"v":2}`;
}
