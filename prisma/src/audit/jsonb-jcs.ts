import type { ByteSink } from './byte-sink.js';

/*
 * RFC 8785 (JCS) of a payload written straight from PostgreSQL's jsonb text
 * (UTF-8 bytes), without building the value: byte for byte what
 * canonicalJsonOfParsed(JSON.parse(text)) gives, for the text jsonb writes.
 * The verifier runs it on every row, where parsing into objects and writing
 * them out again was the largest part of the check.
 *
 * Why copying works: jsonb escapes a string exactly as JCS does (\" \\ \b \f
 * \n \r \t, other controls as lowercase \u00xx, everything else as it is), so
 * strings are copied as they stand; what changes is whitespace (dropped), key
 * order (jsonb sorts by length first, JCS by UTF-16 code units: re-sorted) and
 * numbers (jsonb keeps numeric's digits, "25.00"; JCS writes the double's
 * shortest form, "25"). Anything outside that (a key with non-ASCII or an
 * escape, a \u escape JCS would write differently, a number with no finite
 * double, duplicate keys, deep nesting) makes it return false, and the caller
 * takes the general path (JSON.parse, canonicalJsonOfParsed): it never guesses.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const MAX_DEPTH = 200;
// Up to 15 digits an integer's text is its double's shortest form too (every such integer is exact).
const EXACT_DIGITS = 15;

let src: Uint8Array = new Uint8Array(0);
let out: ByteSink | undefined;
let scratch: Buffer = Buffer.allocUnsafeSlow(4096);

/** Writes JCS of the jsonb text `text[start, end)` to `sink`; false (sink left part-written) when the general path must do it. */
export function writeJcsOfJsonbText(text: Uint8Array, start: number, end: number, sink: ByteSink): boolean {
  // A view of the payload alone: a look past its end reads undefined, never the next field's bytes.
  src = text.subarray(start, end);
  out = sink;
  const after = value(skipSpace(0, src.length), src.length, 0);
  return after >= 0 && skipSpace(after, src.length) === src.length;
}

/** Writes the value at `p`; returns the position after it, or -1. */
function value(p: number, end: number, depth: number): number {
  if (p >= end) return -1;
  const c = src[p]!;
  if (c === QUOTE) {
    const e = stringEnd(p, end);
    if (e >= 0) out!.copy(src, p, e);
    return e;
  }
  if (c === LBRACE) return depth < MAX_DEPTH ? object(p, end, depth) : -1;
  if (c === LBRACKET) return depth < MAX_DEPTH ? array(p, end, depth) : -1;
  if (c === 0x74) return literal(p, end, 'true');
  if (c === 0x66) return literal(p, end, 'false');
  if (c === 0x6e) return literal(p, end, 'null');
  return number(p, end);
}

/** The end of the string opening at `p`, if every escape in it is one JCS writes the same way; else -1. */
function stringEnd(p: number, end: number): number {
  for (let i = p + 1; i < end; i++) {
    const c = src[i]!;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c !== BACKSLASH) continue;
    const e = src[i + 1];
    // b f n r t " \ : the short escapes, JCS's too.
    if (e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74 || e === QUOTE || e === BACKSLASH) {
      i += 1;
      continue;
    }
    // \u00xx (lowercase) for a control character without a short escape: JCS writes it so too. Any other \u, or \/, it writes differently.
    if (e === 0x75 && i + 5 < end && src[i + 2] === ZERO && src[i + 3] === ZERO && (src[i + 4] === ZERO || src[i + 4] === 0x31)) {
      const low = hexDigit(src[i + 5]!);
      const code = (src[i + 4] === ZERO ? 0 : 16) + low;
      if (low >= 0 && code !== 8 && code !== 9 && code !== 10 && code !== 12 && code !== 13) {
        i += 5;
        continue;
      }
    }
    return -1;
  }
  return -1;
}

function hexDigit(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function object(p: number, end: number, depth: number): number {
  const sink = out!;
  sink.byte(LBRACE);
  const membersStart = sink.length;
  p = skipSpace(p + 1, end);
  if (src[p] === RBRACE) {
    sink.byte(RBRACE);
    return p + 1;
  }
  // Per member, four numbers: its key's start and end in src (inside the quotes), its `"key":value`'s start and end in the sink.
  const members: number[] = [];
  let sorted = true;
  for (;;) {
    if (src[p] !== QUOTE) return -1;
    const keyEnd = stringEnd(p, end);
    if (keyEnd < 0) return -1;
    // ASCII without escapes: its bytes compare as its UTF-16 code units do.
    for (let i = p + 1; i < keyEnd - 1; i++) if (src[i]! >= 0x80 || src[i] === BACKSLASH) return -1;
    const n = members.length;
    if (n > 0 && compareKeys(members[n - 4]!, members[n - 3]!, p + 1, keyEnd - 1) >= 0) sorted = false;
    const memberStart = sink.length;
    sink.copy(src, p, keyEnd);
    const keyStart = p + 1;
    p = skipSpace(keyEnd, end);
    if (src[p] !== COLON) return -1;
    sink.byte(COLON);
    p = value(skipSpace(p + 1, end), end, depth + 1);
    if (p < 0) return -1;
    members.push(keyStart, keyEnd - 1, memberStart, sink.length);
    p = skipSpace(p, end);
    if (src[p] === COMMA) {
      sink.byte(COMMA);
      p = skipSpace(p + 1, end);
      continue;
    }
    if (src[p] !== RBRACE) return -1;
    break;
  }
  if (!sorted && !reorder(members, membersStart)) return -1;
  sink.byte(RBRACE);
  return p + 1;
}

/** Rewrites an object's members (from `membersStart` to the sink's end) in JCS key order; false on a duplicate key. */
function reorder(members: number[], membersStart: number): boolean {
  const count = members.length / 4;
  const order: number[] = [];
  for (let m = 0; m < count; m++) {
    // Insertion sort: objects have a handful of members.
    let at = order.length;
    while (at > 0) {
      const before = order[at - 1]! * 4;
      const c = compareKeys(members[before]!, members[before + 1]!, members[m * 4]!, members[m * 4 + 1]!);
      if (c === 0) return false;
      if (c < 0) break;
      at -= 1;
    }
    order.splice(at, 0, m);
  }
  const sink = out!;
  const length = sink.length - membersStart;
  if (scratch.length < length) scratch = Buffer.allocUnsafeSlow(Math.max(length, 2 * scratch.length));
  sink.bytes.copy(scratch, 0, membersStart, sink.length);
  sink.length = membersStart;
  for (let k = 0; k < count; k++) {
    if (k > 0) sink.byte(COMMA);
    const m = order[k]! * 4;
    sink.copy(scratch, members[m + 2]! - membersStart, members[m + 3]! - membersStart);
  }
  return true;
}

/** Compares src[a, aEnd) with src[b, bEnd) byte by byte (ASCII keys: as UTF-16 code units). */
function compareKeys(a: number, aEnd: number, b: number, bEnd: number): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    const d = src[a + i]! - src[b + i]!;
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
}

function array(p: number, end: number, depth: number): number {
  const sink = out!;
  sink.byte(LBRACKET);
  p = skipSpace(p + 1, end);
  if (src[p] === RBRACKET) {
    sink.byte(RBRACKET);
    return p + 1;
  }
  for (;;) {
    p = value(p, end, depth + 1);
    if (p < 0) return -1;
    p = skipSpace(p, end);
    if (src[p] === COMMA) {
      sink.byte(COMMA);
      p = skipSpace(p + 1, end);
      continue;
    }
    if (src[p] !== RBRACKET) return -1;
    sink.byte(RBRACKET);
    return p + 1;
  }
}

function literal(p: number, end: number, word: string): number {
  if (p + word.length > end) return -1;
  for (let i = 0; i < word.length; i++) if (src[p + i] !== word.charCodeAt(i)) return -1;
  out!.ascii(word);
  return p + word.length;
}

const isDigit = (c: number | undefined) => c !== undefined && c >= ZERO && c <= NINE;

/** A JSON number (RFC 8259's grammar, checked), written as its double's ECMAScript form, which is JCS's (-0 as 0). */
function number(p: number, end: number): number {
  let i = p;
  if (src[i] === MINUS) i += 1;
  const intStart = i;
  if (src[i] === ZERO) i += 1;
  else if (isDigit(src[i])) while (i < end && isDigit(src[i])) i += 1;
  else return -1;
  const intDigits = i - intStart;
  let plain = true;
  if (src[i] === DOT) {
    plain = false;
    i += 1;
    if (!isDigit(src[i])) return -1;
    while (i < end && isDigit(src[i])) i += 1;
  }
  if (src[i] === 0x65 || src[i] === 0x45) {
    plain = false;
    i += 1;
    if (src[i] === PLUS || src[i] === MINUS) i += 1;
    if (!isDigit(src[i])) return -1;
    while (i < end && isDigit(src[i])) i += 1;
  }
  if (plain && intDigits <= EXACT_DIGITS) {
    // -0 parses to -0, which JCS writes as 0.
    if (intDigits === 1 && src[intStart] === ZERO) out!.byte(ZERO);
    else out!.copy(src, p, i);
    return i;
  }
  const n = Number(Buffer.from(src.buffer, src.byteOffset + p, i - p).toString('latin1'));
  if (!Number.isFinite(n)) return -1;
  out!.ascii(String(n));
  return i;
}

function skipSpace(p: number, end: number): number {
  while (p < end) {
    const c = src[p];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    p += 1;
  }
  return p;
}
