import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditPayloadInput } from '@airlock/core';
import { hashApiKey } from '@airlock/db/api-key-hash';
import type pg from 'pg';
import { notFound } from '../ops-error.js';

/** A key as operators see it: never the secret, which exists only in the answer that minted it. */
export interface KeyRecord {
  id: string;
  prefix: string;
  name: string;
  agentId: string | null;
  userId: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface KeyRow {
  id: string;
  prefix: string;
  name: string;
  agent_id: string | null;
  user_id: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export const KEY_COLUMNS = 'id, prefix, name, agent_id, user_id, created_at, expires_at, last_used_at, revoked_at';

export function toKeyRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    agentId: row.agent_id,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export interface MintedKey {
  key: KeyRecord;
  /** The plaintext `alk_...`: shown once; only its SHA-256 is stored. */
  secret: string;
}

/** Inserts a new key for one owner inside the caller's transaction. */
export async function insertKey(tx: pg.PoolClient, owner: { agentId: string | null; userId: string | null }, name: string, expiresAt: Date | null): Promise<MintedKey> {
  const secret = `alk_${randomBytes(24).toString('base64url')}`;
  const { rows } = await tx.query<KeyRow>(
    `INSERT INTO api_keys (id, prefix, hash, name, agent_id, user_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${KEY_COLUMNS}`,
    [randomUUID(), secret.slice(0, 10), hashApiKey(secret), name, owner.agentId, owner.userId, expiresAt],
  );
  return { key: toKeyRecord(rows[0]!), secret };
}

export async function lockKey(tx: pg.PoolClient, id: string): Promise<KeyRecord> {
  const { rows } = await tx.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
  if (!rows[0]) throw notFound(`no API key "${id}"`, 'id');
  return toKeyRecord(rows[0]);
}

/** What the audit row says about a key: who it belongs to and how to recognise it, never its secret. */
export function keyAuditFields(key: KeyRecord): AuditPayloadInput<'api_key.minted'> {
  return { keyId: key.id, prefix: key.prefix, name: key.name, agentId: key.agentId, userId: key.userId, expiresAt: key.expiresAt?.toISOString() ?? null };
}
