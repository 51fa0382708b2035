import type pg from 'pg';
import type { Db } from '../client.js';
import { CopyOutChunks, CopyOutRows } from './copy-out.js';
import { CHAIN_ROWS_BINARY_COPY } from './copy-binary.js';
import { CHAIN_ROWS_SELECT, chainRow } from './copy-text.js';
import type { AuditCheckpoint } from './signing.js';
import type { ChainRow } from './verifier.js';

const chainRowsCopy = (afterSeq: number) => `COPY (${CHAIN_ROWS_SELECT} WHERE seq > ${afterSeq} ORDER BY seq) TO STDOUT`;

export interface ChainReadOptions {
  afterSeq?: number;
  /** Rows per batch handed to the caller. */
  batchSize?: number;
  /** Told how many rows the reader held at most (the constant-memory bound: two batches and a socket buffer). */
  onFinish?: (stats: { peakBufferedRows: number }) => void;
}

/**
 * Streams audit rows in seq order with one `COPY … TO STDOUT` (one statement,
 * so one snapshot): PostgreSQL produces rows while the caller checks the
 * previous batch, and at most two batches wait in memory, whatever the chain's
 * length. A caller that stops early (a broken row) ends the COPY by dropping
 * the connection.
 */
export async function* readChainRows(db: Db, options: ChainReadOptions = {}): AsyncGenerator<ChainRow[]> {
  const afterSeq = options.afterSeq ?? 0;
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new RangeError(`afterSeq must be a non-negative integer, not ${afterSeq}`);
  const client = await db.pool.connect();
  const copy = new CopyOutRows(chainRowsCopy(afterSeq), options.batchSize ?? 2000);
  let finished = false;
  try {
    void client.query(copy);
    for await (const batch of copy.batches()) yield batch.map(chainRow);
    finished = true;
    options.onFinish?.({ peakBufferedRows: copy.peakBufferedRows });
  } finally {
    client.release(!finished);
  }
}

/**
 * The whole chain as `verifyAuditChain` reads it: the same binary COPY, in
 * the same chunks of whole tuples (what `verifyCopySegment` checks), each
 * chunk released once the caller asks for the next.
 */
export async function* readChainChunks(db: Db, chunkRows = 2000): AsyncGenerator<Buffer> {
  const client = await db.pool.connect();
  const copy = new CopyOutChunks(CHAIN_ROWS_BINARY_COPY, chunkRows);
  let finished = false;
  try {
    void client.query(copy);
    for await (const chunk of copy.chunks()) {
      yield chunk.bytes;
      copy.release(chunk);
    }
    finished = true;
  } finally {
    client.release(!finished);
  }
}

/**
 * Reads the whole chain exactly as `verifyAuditChain` does and checks nothing:
 * how fast PostgreSQL and the reading thread alone go, the ceiling a
 * verification is measured against (bench/AUDIT.md).
 */
export async function countChainRowsByCopy(db: Db, chunkRows = 2000): Promise<number> {
  const client = await db.pool.connect();
  const copy = new CopyOutChunks(CHAIN_ROWS_BINARY_COPY, chunkRows);
  let rows = 0;
  let finished = false;
  try {
    void client.query(copy);
    for await (const chunk of copy.chunks()) {
      rows += chunk.rows;
      copy.release(chunk);
    }
    finished = true;
  } finally {
    client.release(!finished);
  }
  return rows;
}

interface CheckpointRecord {
  n: string;
  seq: string;
  hash: string;
  signed_at: Date;
  key_id: string;
  signature: string;
}

function checkpointFromRecord(r: CheckpointRecord): AuditCheckpoint {
  return { n: Number(r.n), seq: Number(r.seq), hash: r.hash, signedAt: r.signed_at.toISOString(), keyId: r.key_id, signature: r.signature };
}

/** Checkpoints after `afterN` in order: `limit` of them, or every one (a default cap would silently drop the newest from a verification). */
export async function listCheckpoints(db: Db | pg.PoolClient, options: { afterN?: number; limit?: number } = {}): Promise<AuditCheckpoint[]> {
  const query = 'pool' in db ? db.pool : db;
  // LIMIT NULL is LIMIT ALL.
  const { rows } = await query.query<CheckpointRecord>('SELECT n, seq, hash, signed_at, key_id, signature FROM audit_checkpoints WHERE n > $1 ORDER BY n LIMIT $2', [
    options.afterN ?? 0,
    options.limit ?? null,
  ]);
  return rows.map(checkpointFromRecord);
}
