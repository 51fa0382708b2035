import { CHAIN_FIELDS, readChainTuple } from './copy-binary.js';
import { ByteSink } from './byte-sink.js';
import { F, rowHashV2OfFields } from './hash-fields.js';
import { timestampText } from './timestamp-text.js';
import { ChainVerifier, recomputeRowHash, type ChainRow, type ChainRowHead, type PreparedCheckpoints, type SegmentResult } from './verifier.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const fields = new Int32Array(2 * CHAIN_FIELDS);
const timestampSink = new ByteSink();

/**
 * Checks one chunk of binary COPY tuples as a segment of the chain (its link
 * to the rows before is `join`'s to check). A row is checked from its bytes
 * (rowHashV2OfFields) when it can be, else as a ChainRow built exactly as from
 * the text COPY before (chainRowOfFields), with the same checks in the same
 * order either way (ChainVerifier.admit, then settle).
 */
export function verifyCopySegment(chunk: Uint8Array, checkpoints: PreparedCheckpoints | undefined): SegmentResult {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const head: ChainRowHead = { seq: 0, hashVersion: 0, prevHash: '', hash: '' };
  let verifier: ChainVerifier | undefined;
  let rows = 0;
  for (let p = 0; p < bytes.length;) {
    p = readChainTuple(bytes, p, fields);
    rows += 1;
    if (fields[2 * F.prevHash]! < 0 || fields[2 * F.hash]! < 0) {
      // Only a schema changed by hand allows these NULLs: checked as the text reader saw them.
      const row = chainRowOfFields(bytes);
      if (!(verifier ??= ChainVerifier.segment(row, checkpoints)).push(row)) break;
      continue;
    }
    head.seq = int64At(bytes, fields[2 * F.seq]!, fields[2 * F.seq + 1]!);
    head.hashVersion = int16At(bytes, fields[2 * F.hashVersion]!, fields[2 * F.hashVersion + 1]!);
    head.prevHash = bytes.toString('latin1', fields[2 * F.prevHash], fields[2 * F.prevHash + 1]);
    head.hash = bytes.toString('latin1', fields[2 * F.hash], fields[2 * F.hash + 1]);
    verifier ??= ChainVerifier.segment(head, checkpoints);
    if (!verifier.admit(head)) break;
    const computed = (head.hashVersion === 2 && rowHashV2OfFields(bytes, fields)) || recomputeRowHash(chainRowOfFields(bytes));
    if (!(typeof computed === 'string' ? verifier.settle(head, computed === head.hash) : verifier.refuse(head, computed.unhashable))) break;
  }
  return verifier ? verifier.segmentResult(rows) : emptySegment;
}

const emptySegment: SegmentResult = { rows: 0, firstSeq: 0, firstPrevHash: '', lastSeq: 0, lastHash: '', checkedRows: 0, matched: 0, lastMatchedSeq: 0 };

function int64At(bytes: Buffer, start: number, end: number): number {
  if (end - start !== 8) throw new Error('seq is not an 8-byte integer in the binary COPY data');
  // One rounding, as Number() of the decimal text gives (exact below 2^53).
  return bytes.readInt32BE(start) * 2 ** 32 + bytes.readUInt32BE(start + 4);
}

function int16At(bytes: Buffer, start: number, end: number): number {
  if (end - start !== 2) throw new Error('hash_version is not a 2-byte integer in the binary COPY data');
  return bytes.readInt16BE(start);
}

function text(bytes: Buffer, field: number): string | null {
  const start = fields[2 * field]!;
  return start < 0 ? null : decoder.decode(bytes.subarray(start, fields[2 * field + 1]));
}

/** created_at as to_char wrote it for the text reader (null for NULL and ±infinity, as to_char gives). */
function createdAtText(bytes: Buffer): string | null {
  const start = fields[2 * F.createdAt]!;
  if (start < 0) return null;
  if (fields[2 * F.createdAt + 1]! - start !== 8) throw new Error('created_at is not an 8-byte timestamp in the binary COPY data');
  return timestampText(bytes, start, timestampSink);
}

/** The row as the text COPY reader built it (copy-text.ts chainRow): the general path, for rows the byte path leaves. */
function chainRowOfFields(bytes: Buffer): ChainRow {
  const payloadStart = fields[2 * F.payload]!;
  if (payloadStart >= 0 && bytes[payloadStart] !== 1) throw new Error(`unknown jsonb binary format version ${bytes[payloadStart]}`);
  const payload = payloadStart < 0 ? null : decoder.decode(bytes.subarray(payloadStart + 1, fields[2 * F.payload + 1]));
  return {
    seq: int64At(bytes, fields[2 * F.seq]!, fields[2 * F.seq + 1]!),
    hashVersion: int16At(bytes, fields[2 * F.hashVersion]!, fields[2 * F.hashVersion + 1]!),
    eventKey: text(bytes, F.eventKey)!,
    actionId: text(bytes, F.actionId),
    type: text(bytes, F.type)!,
    actor: text(bytes, F.actor)!,
    payload: JSON.parse(payload!) as unknown,
    createdAt: createdAtText(bytes)!,
    prevHash: text(bytes, F.prevHash)!,
    hash: text(bytes, F.hash)!,
  };
}
