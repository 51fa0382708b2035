import { auditRowHash, GENESIS_HASH } from './hash.js';
import { checkCheckpointSignature, type AuditCheckpoint, type CheckpointKeyring } from './signing.js';

/** One row as the verifier sees it, from the database or an export line alike. */
export interface ChainRow {
  seq: number;
  hashVersion: number;
  eventKey: string;
  actionId: string | null;
  type: string;
  actor: string;
  payload: unknown;
  /** ISO 8601 with milliseconds and Z. */
  createdAt: string;
  prevHash: string;
  hash: string;
}

export interface CheckpointSummary {
  /** Checkpoints whose signed hash matched the row at their seq. */
  matched: number;
  /** The seq of the last matched checkpoint (0 = none): rows after it are protected by the chain alone. */
  lastSeq: number;
  /** Missing, forged, unknown-key or conflicting checkpoints: any one fails verification. */
  problems: string[];
}

export type ChainVerification =
  | { ok: true; checkedRows: number; headSeq: string; headHash: string; checkpoints?: CheckpointSummary }
  | {
      ok: false;
      checkedRows: number;
      /** The first row that disagrees (or, for checkpoint problems alone, is absent). */
      firstBrokenSeq?: string;
      /** With a checkpoint mismatch: the earliest row that may have been rewritten (the one after the last matching checkpoint). */
      suspectFromSeq?: string;
      reason: string;
      checkpoints?: CheckpointSummary;
    };

/**
 * Dedupes (sinks deliver at least once), checks each signature against the
 * keyring, and reports gaps in the numbering: deleting a checkpoint from a
 * sink or the table is as visible as forging one.
 */
export function prepareCheckpoints(all: readonly AuditCheckpoint[], keyring: CheckpointKeyring): { trusted: AuditCheckpoint[]; problems: string[] } {
  const problems: string[] = [];
  const byN = new Map<number, AuditCheckpoint>();
  for (const c of all) {
    const seen = byN.get(c.n);
    if (!seen) byN.set(c.n, c);
    else if (JSON.stringify(seen) !== JSON.stringify(c)) problems.push(`checkpoint #${c.n} appears twice with different contents`);
  }
  const numbers = [...byN.keys()].sort((a, b) => a - b);
  const trusted: AuditCheckpoint[] = [];
  let expected = 1;
  for (const n of numbers) {
    if (n > expected) problems.push(expected === n - 1 ? `checkpoint #${expected} is missing` : `checkpoints #${expected}–#${n - 1} are missing`);
    expected = n + 1;
    const c = byN.get(n)!;
    const check = checkCheckpointSignature(c, keyring);
    if (check === 'unknown-key') problems.push(`checkpoint #${n} is signed by ${c.keyId}, which is not among the public keys given`);
    else if (check === 'bad-signature') problems.push(`checkpoint #${n} (seq ${c.seq}) has a signature that does not verify: it was forged or altered`);
    else if (trusted.length > 0 && c.seq < trusted[trusted.length - 1]!.seq) problems.push(`checkpoint #${n} signs seq ${c.seq}, before an earlier checkpoint's`);
    else trusted.push(c);
  }
  return { trusted, problems };
}

/**
 * Checks a chain fed one row at a time in seq order: constant memory, whatever
 * the source. With checkpoints it also catches a rewrite that recomputed every
 * later hash (the signed hash at the checkpoint's seq no longer matches).
 */
export class ChainVerifier {
  private prevHash = GENESIS_HASH;
  private lastSeq = 0;
  private checkedRows = 0;
  private next = 0;
  private matched = 0;
  private lastMatchedSeq = 0;
  private failure: { firstBrokenSeq: string; reason: string; suspectFromSeq?: string } | undefined;

  constructor(
    private readonly checkpoints?: { trusted: AuditCheckpoint[]; problems: string[] },
  ) {}

  /** False once a row failed: the caller can stop reading. */
  push(row: ChainRow): boolean {
    if (this.failure) return false;
    if (row.seq <= this.lastSeq) return this.fail(row.seq, `seq ${row.seq} follows seq ${this.lastSeq}: rows are out of order or duplicated`);
    const pending = this.checkpoints?.trusted[this.next];
    if (pending && pending.seq < row.seq) {
      return this.fail(pending.seq, `checkpoint #${pending.n} signs seq ${pending.seq}, which is not in the chain: the row was removed`);
    }
    if (row.prevHash !== this.prevHash) {
      return this.fail(row.seq, 'prev_hash does not match the previous row: a row was removed, reordered or inserted');
    }
    if (row.hashVersion !== 1 && row.hashVersion !== 2) return this.fail(row.seq, `unknown hash version ${row.hashVersion}`);
    if (auditRowHash(row as ChainRow & { hashVersion: 1 | 2 }) !== row.hash) {
      return this.fail(row.seq, 'row content does not match its hash: the row was altered');
    }
    if (pending && pending.seq === row.seq) {
      if (pending.hash !== row.hash) {
        this.failure = {
          firstBrokenSeq: String(row.seq),
          suspectFromSeq: String(this.lastMatchedSeq + 1),
          reason: `the hash of seq ${row.seq} differs from the one signed in checkpoint #${pending.n}: a row from seq ${this.lastMatchedSeq + 1} on was rewritten and the later hashes recomputed`,
        };
        return false;
      }
      this.matched += 1;
      this.lastMatchedSeq = row.seq;
      this.next += 1;
    }
    this.prevHash = row.hash;
    this.lastSeq = row.seq;
    this.checkedRows += 1;
    return true;
  }

  finish(): ChainVerification {
    const pending = this.checkpoints?.trusted[this.next];
    if (!this.failure && pending) {
      this.failure = { firstBrokenSeq: String(pending.seq), reason: `the chain ends at seq ${this.lastSeq} but checkpoint #${pending.n} signs seq ${pending.seq}: rows were removed from the end` };
    }
    const checkpoints = this.checkpoints && { matched: this.matched, lastSeq: this.lastMatchedSeq, problems: this.checkpoints.problems };
    const extra = checkpoints ? { checkpoints } : {};
    if (this.failure) return { ok: false, checkedRows: this.checkedRows, ...this.failure, ...extra };
    if (checkpoints && checkpoints.problems.length > 0) {
      return { ok: false, checkedRows: this.checkedRows, reason: `the checkpoints do not hold: ${checkpoints.problems.join('; ')}`, ...extra };
    }
    return { ok: true, checkedRows: this.checkedRows, headSeq: String(this.lastSeq), headHash: this.prevHash, ...extra };
  }

  private fail(seq: number, reason: string): false {
    this.failure = { firstBrokenSeq: String(seq), reason };
    return false;
  }
}
