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

/** What the chain's checks read of a row besides its content: a reader that hashes the content itself gives this (ChainVerifier.admit, settle). */
export type ChainRowHead = Pick<ChainRow, 'seq' | 'hashVersion' | 'prevHash' | 'hash'>;

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
export function prepareCheckpoints(all: readonly AuditCheckpoint[], keyring: CheckpointKeyring): PreparedCheckpoints {
  const problems: string[] = [];
  const byN = new Map<number, AuditCheckpoint>();
  for (const c of all) {
    const seen = byN.get(c.n);
    if (!seen) byN.set(c.n, c);
    else if (!sameCheckpoint(seen, c)) problems.push(`checkpoint #${c.n} appears twice with different contents`);
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

/** Member by member: copies from the database, a file and a webhook body are one checkpoint whatever their key order or extra members. */
function sameCheckpoint(a: AuditCheckpoint, b: AuditCheckpoint): boolean {
  return a.n === b.n && a.seq === b.seq && a.hash === b.hash && a.signedAt === b.signedAt && a.keyId === b.keyId && a.signature === b.signature;
}

/** The trusted checkpoints a verifier matches rows against, in seq order (what `prepareCheckpoints` returns). */
export interface PreparedCheckpoints {
  trusted: AuditCheckpoint[];
  problems: string[];
}

type Failure =
  | { firstBrokenSeq: number; reason: string }
  /** A signed hash differs from the row's: the reason names the last matched checkpoint, which a segment may not know yet. */
  | { firstBrokenSeq: number; mismatchedCheckpoint: number; lastMatchedSeq: number };

/**
 * What a verifier that started mid-chain (`ChainVerifier.segment`) found in
 * its rows: everything `join` needs to carry on as if one verifier had seen
 * them all. Plain data, so it crosses a worker boundary.
 */
export interface SegmentResult {
  rows: number;
  firstSeq: number;
  firstPrevHash: string;
  lastSeq: number;
  lastHash: string;
  checkedRows: number;
  matched: number;
  lastMatchedSeq: number;
  failure?: Failure;
}

/**
 * Checks a chain fed one row at a time in seq order: constant memory, whatever
 * the source. With checkpoints it also catches a rewrite that recomputed every
 * later hash (the signed hash at the checkpoint's seq no longer matches).
 *
 * Parallel verification cuts the chain into segments: each is checked by a
 * verifier that trusts its first row's `prevHash` (`ChainVerifier.segment`),
 * and `join` then checks, in seq order, what that trust left open: the seam's
 * seq order, a checkpoint falling between segments and the `prevHash` link.
 * Every row hash covers the row's stored `prevHash`, so the content checks are
 * independent and the result is the one a single pass gives, row for row.
 */
export class ChainVerifier {
  private prevHash = GENESIS_HASH;
  private lastSeq = 0;
  private checkedRows = 0;
  private next = 0;
  private matched = 0;
  private lastMatchedSeq = 0;
  private failure: Failure | undefined;
  private firstSeq = 0;
  private firstPrevHash = '';

  constructor(private readonly checkpoints?: PreparedCheckpoints) {}

  /** A verifier for rows that start mid-chain at `first`: its link to the row before is left to `join`. */
  static segment(first: Pick<ChainRow, 'seq' | 'prevHash'>, checkpoints?: PreparedCheckpoints): ChainVerifier {
    const verifier = new ChainVerifier(checkpoints);
    verifier.prevHash = first.prevHash;
    verifier.firstPrevHash = first.prevHash;
    verifier.firstSeq = first.seq;
    verifier.next = checkpoints ? firstAtOrAfter(checkpoints.trusted, first.seq) : 0;
    return verifier;
  }

  /** False once a row failed: the caller can stop reading. */
  push(row: ChainRow): boolean {
    if (!this.admit(row)) return false;
    const computed = recomputeRowHash(row);
    return typeof computed === 'string' ? this.settle(row, computed === row.hash) : this.refuse(row, computed.unhashable);
  }

  /**
   * `push` in two halves, for a reader that computes the row's hash its own
   * way (from COPY bytes): first the checks before the content (order, a
   * removed checkpointed row, the link, the hash version), then, given whether
   * the recomputed hash equals the stored one, the rest. False once a row failed.
   */
  admit(row: ChainRowHead): boolean {
    if (this.failure) return false;
    if (row.seq <= this.lastSeq) return this.fail(row.seq, `seq ${row.seq} follows seq ${this.lastSeq}: rows are out of order or duplicated`);
    const pending = this.checkpoints?.trusted[this.next];
    if (pending && pending.seq < row.seq) {
      return this.fail(pending.seq, `checkpoint #${pending.n} signs seq ${pending.seq}, which is not in the chain: the row was removed`);
    }
    if (row.prevHash !== this.prevHash) return this.fail(row.seq, this.brokenLink());
    if (row.hashVersion !== 1 && row.hashVersion !== 2) return this.fail(row.seq, `unknown hash version ${row.hashVersion}`);
    return true;
  }

  /** `settle` for a row whose content has nothing to hash (`recomputeRowHash` says why): that row fails. */
  refuse(row: ChainRowHead, unhashable: string): false {
    return this.fail(row.seq, `row content cannot be hashed: ${unhashable}, which Airlock never writes: the row was altered`);
  }

  /** The second half of `push`, after `admit` let the row through: `contentMatches` = its recomputed hash equals `row.hash`. */
  settle(row: ChainRowHead, contentMatches: boolean): boolean {
    if (!contentMatches) return this.fail(row.seq, 'row content does not match its hash: the row was altered');
    const pending = this.checkpoints?.trusted[this.next];
    if (pending && pending.seq === row.seq) {
      if (pending.hash !== row.hash) {
        this.failure = { firstBrokenSeq: row.seq, mismatchedCheckpoint: pending.n, lastMatchedSeq: this.lastMatchedSeq };
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

  /** What a segment verifier found, for `join` (`rows` = how many rows it was given). */
  segmentResult(rows: number): SegmentResult {
    const result: SegmentResult = {
      rows,
      firstSeq: this.firstSeq,
      firstPrevHash: this.firstPrevHash,
      lastSeq: this.lastSeq,
      lastHash: this.prevHash,
      checkedRows: this.checkedRows,
      matched: this.matched,
      lastMatchedSeq: this.lastMatchedSeq,
    };
    if (this.failure) result.failure = this.failure;
    return result;
  }

  /**
   * Takes in the next segment's result, in seq order: first the checks its
   * verifier could not make (in the order `push` makes them for its first row),
   * then its own findings. False once the chain failed.
   */
  join(segment: SegmentResult): boolean {
    if (this.failure) return false;
    if (segment.rows === 0) return true;
    if (segment.firstSeq <= this.lastSeq) {
      return this.fail(segment.firstSeq, `seq ${segment.firstSeq} follows seq ${this.lastSeq}: rows are out of order or duplicated`);
    }
    const pending = this.checkpoints?.trusted[this.next];
    if (pending && pending.seq < segment.firstSeq) {
      return this.fail(pending.seq, `checkpoint #${pending.n} signs seq ${pending.seq}, which is not in the chain: the row was removed`);
    }
    if (segment.firstPrevHash !== this.prevHash) return this.fail(segment.firstSeq, this.brokenLink());
    this.checkedRows += segment.checkedRows;
    this.matched += segment.matched;
    this.next += segment.matched;
    if (segment.matched > 0) this.lastMatchedSeq = segment.lastMatchedSeq;
    if (segment.failure) {
      const failure = segment.failure;
      // A mismatch before the segment's first match is suspect from the last match of the segments before it.
      this.failure = 'mismatchedCheckpoint' in failure && failure.lastMatchedSeq === 0 ? { ...failure, lastMatchedSeq: this.lastMatchedSeq } : failure;
      return false;
    }
    this.prevHash = segment.lastHash;
    this.lastSeq = segment.lastSeq;
    return true;
  }

  finish(): ChainVerification {
    const pending = this.checkpoints?.trusted[this.next];
    if (!this.failure && pending) {
      this.failure = {
        firstBrokenSeq: pending.seq,
        reason: `the chain ends at seq ${this.lastSeq} but checkpoint #${pending.n} signs seq ${pending.seq}: rows were removed from the end`,
      };
    }
    const checkpoints = this.checkpoints && { matched: this.matched, lastSeq: this.lastMatchedSeq, problems: this.checkpoints.problems };
    const extra = checkpoints ? { checkpoints } : {};
    if (this.failure) return { ok: false, checkedRows: this.checkedRows, ...describeFailure(this.failure), ...extra };
    if (checkpoints && checkpoints.problems.length > 0) {
      return { ok: false, checkedRows: this.checkedRows, reason: `the checkpoints do not hold: ${checkpoints.problems.join('; ')}`, ...extra };
    }
    return { ok: true, checkedRows: this.checkedRows, headSeq: String(this.lastSeq), headHash: this.prevHash, ...extra };
  }

  /** Why a row's prev_hash is not the hash before it, naming that row: an auditor looks between the two. */
  private brokenLink(): string {
    if (this.lastSeq === 0) return 'prev_hash does not match: the first row’s must be 64 zeros, so rows were removed from the start (or this prev_hash was altered)';
    return `prev_hash does not match the hash of seq ${this.lastSeq}, the row before it: a row between them was removed, or rows were reordered or inserted (or this prev_hash was altered)`;
  }

  private fail(seq: number, reason: string): false {
    this.failure = { firstBrokenSeq: seq, reason };
    return false;
  }
}

function describeFailure(failure: Failure): { firstBrokenSeq: string; reason: string; suspectFromSeq?: string } {
  if ('reason' in failure) return { firstBrokenSeq: String(failure.firstBrokenSeq), reason: failure.reason };
  const seq = failure.firstBrokenSeq;
  const from = failure.lastMatchedSeq + 1;
  return {
    firstBrokenSeq: String(seq),
    suspectFromSeq: String(from),
    reason: `the hash of seq ${seq} differs from the one signed in checkpoint #${failure.mismatchedCheckpoint}: a row from seq ${from} on was rewritten and the later hashes recomputed`,
  };
}

/**
 * The hash a row's content gives, or why it gives none. A row that a writer
 * with database access set to what Airlock never stores (created_at NULL or
 * ±infinity, a payload number beyond a double's range such as 1e400) has no
 * hash input: a verifier reports that row instead of failing with an exception.
 */
export function recomputeRowHash(row: ChainRow): string | { unhashable: string } {
  if (typeof row.createdAt !== 'string') return { unhashable: 'created_at is not a finite timestamp (NULL or ±infinity)' };
  // Version 1's serialiser writes a non-finite number as null (version 2's refuses it): the value stored would not be covered.
  if (row.hashVersion === 1 && hasNonFiniteNumber(row.payload)) return { unhashable: NON_FINITE };
  try {
    return auditRowHash(row as ChainRow & { hashVersion: 1 | 2 });
  } catch (error) {
    return { unhashable: hasNonFiniteNumber(row.payload) ? NON_FINITE : `its fields have no canonical JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}

const NON_FINITE = 'the payload holds a number beyond the range of a double (such as 1e400)';

function hasNonFiniteNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(hasNonFiniteNumber);
}

/** Index of the first checkpoint signing `seq` or a later row (the list is in seq order). */
function firstAtOrAfter(trusted: readonly AuditCheckpoint[], seq: number): number {
  let lo = 0;
  let hi = trusted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (trusted[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
