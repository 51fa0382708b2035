import {
  auditRowHash,
  ChainVerifier,
  checkpointKeyring,
  checkpointSigner,
  GENESIS_HASH,
  generateCheckpointKeyPair,
  prepareCheckpoints,
  type AuditCheckpoint,
  type ChainRow,
} from '@airlock/db';
import { describe, expect, it } from 'vitest';

// Parallel verification checks chunks of the chain as segments and joins them in order (ChainVerifier.segment / join).
// Whatever the cut, the verdict must be the single pass's, to the row and the word: checked here on every tampering
// the verifier knows, for every chunk size.

const keys = generateCheckpointKeyPair();
const signer = checkpointSigner(keys.privateKeyPem);
const keyring = checkpointKeyring([keys.publicKeyPem]);
const ROWS = 30;

function chain(): ChainRow[] {
  const rows: ChainRow[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < ROWS; i++) {
    // Gaps in seq, as the database leaves them.
    const row = {
      seq: 2 * i + 1,
      hashVersion: 2,
      eventKey: `e-${i}`,
      actionId: i % 3 === 0 ? null : `a-${i}`,
      type: 'test.event',
      actor: 'user:alice',
      payload: { i, note: `row ${i}` },
      createdAt: new Date(Date.UTC(2026, 11, 3, 0, 0, i)).toISOString(),
      prevHash,
    };
    const hash = auditRowHash({ ...row, hashVersion: 2 });
    rows.push({ ...row, hash });
    prevHash = hash;
  }
  return rows;
}

function checkpointsOf(rows: readonly ChainRow[], seqs: readonly number[]): AuditCheckpoint[] {
  return seqs.map((seq, k) => signer.sign({ n: k + 1, seq, hash: rows.find((r) => r.seq === seq)!.hash, signedAt: '2026-12-03T01:00:00.000Z' }));
}

/** Recomputes every hash from `from` on, as a superuser who rewrote a row would. */
function rehash(rows: ChainRow[], from: number): ChainRow[] {
  let prevHash = from === 0 ? GENESIS_HASH : rows[from - 1]!.hash;
  return rows.map((row, i) => {
    if (i < from) return row;
    const hash = auditRowHash({ ...row, prevHash, hashVersion: 2 });
    const next = { ...row, prevHash, hash };
    prevHash = hash;
    return next;
  });
}

const clean = chain();
const signedAt = [5, 21, 41, 59];
const scenarios: Record<string, { rows: ChainRow[]; signed?: number[] }> = {
  clean: { rows: clean, signed: signedAt },
  'content altered': { rows: clean.map((r, i) => (i === 13 ? { ...r, payload: { i, note: 'changed' } } : r)) },
  'row deleted': { rows: clean.filter((_, i) => i !== 10) },
  'first row deleted': { rows: clean.slice(1) },
  'rows swapped': { rows: clean.map((r, i) => (i === 7 ? clean[8]! : i === 8 ? clean[7]! : r)) },
  'seq duplicated': { rows: clean.map((r, i) => (i === 9 ? { ...r, seq: clean[8]!.seq } : r)) },
  'unknown hash version': { rows: clean.map((r, i) => (i === 4 ? { ...r, hashVersion: 3 } : r)) },
  // What a database writer can store and Airlock never writes: a row with nothing to hash.
  'created_at not a timestamp': { rows: clean.map((r, i) => (i === 11 ? { ...r, createdAt: null as unknown as string } : r)) },
  'payload number beyond a double': { rows: clean.map((r, i) => (i === 12 ? { ...r, payload: { i, n: Infinity } } : r)) },
  'rewrite with hashes recomputed': {
    rows: rehash(
      clean.map((r, i) => (i === 14 ? { ...r, payload: { i, note: 'rewritten' } } : r)),
      14,
    ),
    signed: signedAt,
  },
  'rewrite before the first checkpoint': {
    rows: rehash(
      clean.map((r, i) => (i === 1 ? { ...r, payload: {} } : r)),
      1,
    ),
    signed: signedAt,
  },
  'checkpointed row removed, hashes recomputed': {
    rows: rehash(
      clean.filter((r) => r.seq !== 21),
      10,
    ),
    signed: signedAt,
  },
  'rows removed from the end': { rows: clean.slice(0, 25), signed: signedAt },
  'two faults: the first is named': { rows: clean.filter((_, i) => i !== 20).map((r, i) => (i === 6 ? { ...r, actor: 'user:mallory' } : r)) },
};

function sequential(rows: readonly ChainRow[], checkpoints?: ReturnType<typeof prepareCheckpoints>) {
  const verifier = new ChainVerifier(checkpoints);
  for (const row of rows) if (!verifier.push(row)) break;
  return verifier.finish();
}

function segmented(rows: readonly ChainRow[], chunkRows: number, checkpoints?: ReturnType<typeof prepareCheckpoints>) {
  const verifier = new ChainVerifier(checkpoints);
  for (let start = 0; start < rows.length; start += chunkRows) {
    const chunk = rows.slice(start, start + chunkRows);
    const segment = ChainVerifier.segment(chunk[0]!, checkpoints);
    let given = 0;
    for (const row of chunk) {
      given++;
      if (!segment.push(row)) break;
    }
    if (!verifier.join(segment.segmentResult(given))) break;
  }
  return verifier.finish();
}

describe('segmented verification', () => {
  for (const [name, { rows, signed }] of Object.entries(scenarios)) {
    it(`gives the single pass's verdict for every chunk size: ${name}`, () => {
      const checkpoints = prepareCheckpoints(checkpointsOf(clean, signed ?? signedAt), keyring);
      const expected = sequential(rows, checkpoints);
      const expectedWithout = sequential(rows);
      if (name === 'clean') expect(expected).toMatchObject({ ok: true, checkedRows: ROWS, checkpoints: { matched: 4 } });
      else expect(expected.ok).toBe(false);
      for (const chunkRows of [1, 2, 3, 4, 5, 7, 10, 16, ROWS]) {
        expect(segmented(rows, chunkRows, checkpoints), `chunks of ${chunkRows}`).toStrictEqual(expected);
        expect(segmented(rows, chunkRows), `chunks of ${chunkRows}, no checkpoints`).toStrictEqual(expectedWithout);
      }
    });
  }

  it('names the row after the last matched checkpoint of earlier segments when a rewrite is found in a later one', () => {
    const rows = scenarios['rewrite with hashes recomputed']!.rows;
    const result = segmented(rows, 4, prepareCheckpoints(checkpointsOf(clean, signedAt), keyring));
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: '41', suspectFromSeq: '22', checkedRows: 20 });
  });
});
