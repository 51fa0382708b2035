/**
 * The chain as the verifier reads it: every column, in PostgreSQL's binary
 * COPY format. Against the text format the server does less per row (no
 * escaping, no to_char of the timestamp: bench/AUDIT.md) and the client
 * nothing to unescape: a text value is its UTF-8 bytes, `jsonb` a version byte
 * and its text, integers and the timestamp big-endian (timestamp-text.ts
 * writes the timestamp as the hash covers it).
 */
export const CHAIN_ROWS_BINARY_COPY =
  'COPY (SELECT seq, hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash, hash FROM audit_events ORDER BY seq) TO STDOUT (FORMAT binary)';

export const CHAIN_FIELDS = 10;

// "PGCOPY\n\377\r\n\0", then a flags word and the length of a header extension.
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];

/** How many bytes of the first CopyData message are the file header (PostgreSQL sends it with the first row). */
export function binaryCopyHeaderLength(message: Buffer): number {
  if (message.length < 19 || SIGNATURE.some((b, i) => message[i] !== b)) throw new Error('the COPY data does not start with the binary format signature');
  // Bit 16 of the flags: OIDs included, which this query never asks for.
  if ((message.readUInt32BE(11) & 0x10000) !== 0) throw new Error('binary COPY data with OIDs is not expected');
  return 19 + message.readUInt32BE(15);
}

/** The file trailer: a tuple with field count -1, in a message of its own. */
export function isBinaryCopyTrailer(message: Buffer, from: number): boolean {
  return message.length - from === 2 && message[from] === 0xff && message[from + 1] === 0xff;
}

/**
 * Reads the tuple at `p` (a field count, then each field's length and bytes):
 * `fields[2i]` and `fields[2i + 1]` become the start and end of field i, the
 * start -1 for NULL. Returns the position after the tuple.
 */
export function readChainTuple(bytes: Buffer, p: number, fields: Int32Array): number {
  if (p + 2 > bytes.length || bytes.readInt16BE(p) !== CHAIN_FIELDS) throw new Error(`a binary COPY tuple does not have ${CHAIN_FIELDS} fields`);
  p += 2;
  for (let i = 0; i < CHAIN_FIELDS; i++) {
    if (p + 4 > bytes.length) throw new Error('binary COPY data ends in the middle of a tuple');
    const length = bytes.readInt32BE(p);
    p += 4;
    if (length < 0) {
      fields[2 * i] = -1;
      fields[2 * i + 1] = -1;
      continue;
    }
    if (p + length > bytes.length) throw new Error('binary COPY data ends in the middle of a field');
    fields[2 * i] = p;
    fields[2 * i + 1] = p + length;
    p += length;
  }
  return p;
}
