import { forEachChainRow } from './copy-text.js';
import { ChainVerifier, type PreparedCheckpoints, type SegmentResult } from './verifier.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Checks one chunk of COPY text rows as a segment of the chain (its link to the rows before is `join`'s to check). */
export function verifyCopySegment(bytes: Uint8Array, checkpoints: PreparedCheckpoints | undefined): SegmentResult {
  let verifier: ChainVerifier | undefined;
  const rows = forEachChainRow(decoder.decode(bytes), (row) => (verifier ??= ChainVerifier.segment(row, checkpoints)).push(row));
  return verifier ? verifier.segmentResult(rows) : emptySegment;
}

const emptySegment: SegmentResult = { rows: 0, firstSeq: 0, firstPrevHash: '', lastSeq: 0, lastHash: '', checkedRows: 0, matched: 0, lastMatchedSeq: 0 };
