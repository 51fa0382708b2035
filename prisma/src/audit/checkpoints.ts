import type { Db } from '../client.js';
import { inTransaction } from '../governance/transaction.js';
import type { AuditCheckpoint, CheckpointSigner } from './signing.js';

// Arbitrary constant: one checkpoint at a time across workers, so numbers have no gaps or twins.
const CHECKPOINT_LOCK_ID = 7_240_110_003;

export interface CheckpointPolicy {
  /** Sign once this many rows were appended since the last checkpoint… */
  everyRows: number;
  /** …or once the oldest unsigned row is this many seconds old. */
  everySeconds: number;
}

/**
 * Signs the chain head if the policy says one is due, and stores the checkpoint
 * (append-only table). Returns it, or undefined when none was due. Safe to call
 * from every worker at once: a transaction-scoped advisory lock orders them.
 */
export async function checkpointIfDue(db: Db, signer: CheckpointSigner, policy: CheckpointPolicy, now: Date = new Date()): Promise<AuditCheckpoint | undefined> {
  return inTransaction(db, async (client) => {
    const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS ok', [CHECKPOINT_LOCK_ID]);
    if (locked.rows[0]?.ok !== true) return undefined;
    const last = await client.query<{ n: string; seq: string }>('SELECT n, seq FROM audit_checkpoints ORDER BY n DESC LIMIT 1');
    const head = await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    const headRow = head.rows[0];
    if (!headRow) return undefined;
    const previous = last.rows[0];
    const newRows = Number(headRow.seq) - Number(previous?.seq ?? 0);
    if (newRows <= 0) return undefined;
    if (newRows < policy.everyRows) {
      const oldest = await client.query<{ created_at: Date }>('SELECT created_at FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 1', [previous?.seq ?? '0']);
      const age = (now.getTime() - (oldest.rows[0]?.created_at.getTime() ?? now.getTime())) / 1000;
      if (age < policy.everySeconds) return undefined;
    }
    const checkpoint = signer.sign({ n: Number(previous?.n ?? 0) + 1, seq: Number(headRow.seq), hash: headRow.hash, signedAt: now.toISOString() });
    await client.query('INSERT INTO audit_checkpoints (n, seq, hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)', [
      checkpoint.n,
      checkpoint.seq,
      checkpoint.hash,
      now,
      checkpoint.keyId,
      checkpoint.signature,
    ]);
    return checkpoint;
  });
}
