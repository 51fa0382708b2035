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

// One call's state, in module variables: the verifier runs this on every row, and these loops are its hot path.
let src: Uint8Array = new Uint8Array(0);
// The payload's end in src: nothing reads at or past it (the next field's bytes).
let limit = 0;
let sink: ByteSink | undefined;
let out: Buffer = Buffer.alloc(0);
let pos = 0;
// Members of the objects being written, five numbers each (key start and end in src, member start and end in out, the key's
// first four bytes as one number), as a stack.
let members: Int32Array<ArrayBuffer> = new Int32Array(1024);
let top = 0;
const MEMBER = 5;
let order: Int32Array<ArrayBuffer> = new Int32Array(256);
let scratch: Buffer = Buffer.allocUnsafeSlow(4096);

/** Writes JCS of the jsonb text `text[start, end)` to `into`; false (`into` left as it was) when the general path must do it. */
export function writeJcsOfJsonbText(text: Uint8Array, start: number, end: number, into: ByteSink): boolean {
  src = text;
  limit = end;
  sink = into;
  // The output is never longer than the text but for a number's digits, which make room for themselves (writeNumber).
  into.reserve(end - start + 64);
  out = into.bytes;
  pos = into.length;
  top = 0;
  const after = value(skipSpace(start), 0);
  if (after < 0 || skipSpace(after) !== end) return false;
  into.length = pos;
  return true;
}

/** Writes the value at `p`; returns the position after it, or -1. */
function value(p: number, depth: number): number {
  if (p >= limit) return -1;
  const c = src[p]!;
  if (c === QUOTE) return string(p);
  if (c === LBRACE) return depth < MAX_DEPTH ? object(p, depth) : -1;
  if (c === LBRACKET) return depth < MAX_DEPTH ? array(p, depth) : -1;
  if (c === 0x74) return literal(p, 'true');
  if (c === 0x66) return literal(p, 'false');
  if (c === 0x6e) return literal(p, 'null');
  return number(p);
}

/**
 * Copies the string opening at `p` if every escape in it is one JCS writes the
 * same way; returns the position after it, or -1. The short escapes (\b \f \n
 * \r \t \" \\) are JCS's too, and so is \u00xx (lowercase) for a control
 * character without one; any other \u, or \/, JCS writes differently.
 */
function string(p: number): number {
  // Locals, not the module's variables, in the loop: V8 keeps them in registers.
  const from = src;
  const to = out;
  const end = limit;
  let at = pos;
  to[at++] = QUOTE;
  for (let i = p + 1; i < end; i++) {
    const c = from[i]!;
    to[at++] = c;
    if (c === QUOTE) {
      pos = at;
      return i + 1;
    }
    if (c < 0x20) return -1;
    if (c !== BACKSLASH) continue;
    if (i + 1 >= end) return -1;
    const e = from[i + 1]!;
    if (e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74 || e === QUOTE || e === BACKSLASH) {
      to[at++] = e;
      i += 1;
      continue;
    }
    if (e !== 0x75 || i + 5 >= end || from[i + 2] !== ZERO || from[i + 3] !== ZERO) return -1;
    const high = from[i + 4]!;
    const low = hexDigit(from[i + 5]!);
    if ((high !== ZERO && high !== 0x31) || low < 0) return -1;
    const code = (high === ZERO ? 0 : 16) + low;
    if (code === 8 || code === 9 || code === 10 || code === 12 || code === 13) return -1;
    for (let k = 1; k <= 5; k++) to[at++] = from[i + k]!;
    i += 5;
  }
  return -1;
}

function hexDigit(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function object(p: number, depth: number): number {
  out[pos++] = LBRACE;
  const membersStart = pos;
  const base = top;
  p = skipSpace(p + 1);
  if (p < limit && src[p] === RBRACE) {
    out[pos++] = RBRACE;
    return p + 1;
  }
  let sorted = true;
  for (;;) {
    if (p >= limit || src[p] !== QUOTE) return -1;
    const memberStart = pos;
    const keyEnd = string(p);
    if (keyEnd < 0) return -1;
    if (!plainAsciiKey(p + 1, keyEnd - 1)) return -1;
    const keyStart = p + 1;
    const prefix = keyPrefix(keyStart, keyEnd - 1);
    if (top > base && compareMembers(top - MEMBER, keyStart, keyEnd - 1, prefix) >= 0) sorted = false;
    p = skipSpace(keyEnd);
    if (p >= limit || src[p] !== COLON) return -1;
    out[pos++] = COLON;
    p = value(skipSpace(p + 1), depth + 1);
    if (p < 0) return -1;
    if (top + MEMBER > members.length) members = grown(members, top + MEMBER);
    members[top] = keyStart;
    members[top + 1] = keyEnd - 1;
    members[top + 2] = memberStart;
    members[top + 3] = pos;
    members[top + 4] = prefix;
    top += MEMBER;
    p = skipSpace(p);
    if (p >= limit) return -1;
    if (src[p] === COMMA) {
      out[pos++] = COMMA;
      p = skipSpace(p + 1);
      continue;
    }
    if (src[p] !== RBRACE) return -1;
    break;
  }
  if (!sorted && !reorder(base, membersStart)) return -1;
  top = base;
  out[pos++] = RBRACE;
  return p + 1;
}

/** ASCII without escapes: a key whose bytes compare as its UTF-16 code units do. */
function plainAsciiKey(start: number, end: number): boolean {
  const from = src;
  for (let i = start; i < end; i++) {
    const c = from[i]!;
    if (c >= 0x80 || c === BACKSLASH) return false;
  }
  return true;
}

function grown(a: Int32Array, needed: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(needed, 2 * a.length));
  bigger.set(a);
  return bigger;
}

/** Rewrites the members from `members[base]` on (written from `membersStart` to `pos`) in JCS key order; false on a duplicate key. */
function reorder(base: number, membersStart: number): boolean {
  const count = (top - base) / MEMBER;
  if (order.length < count) order = new Int32Array(Math.max(count, 2 * order.length));
  // Insertion sort: objects have a handful of members.
  for (let m = 0; m < count; m++) {
    const at = base + MEMBER * m;
    let k = m;
    while (k > 0) {
      const c = compareMembers(base + MEMBER * order[k - 1]!, members[at]!, members[at + 1]!, members[at + 4]!);
      if (c === 0) return false;
      if (c < 0) break;
      order[k] = order[k - 1]!;
      k -= 1;
    }
    order[k] = m;
  }
  const length = pos - membersStart;
  if (scratch.length < length) scratch = Buffer.allocUnsafeSlow(Math.max(length, 2 * scratch.length));
  // The members in order into scratch (one pass in a loop: they are tens of bytes), then back in one native copy.
  const from = out;
  const to = scratch;
  const list = members;
  let at = 0;
  for (let k = 0; k < count; k++) {
    if (k > 0) to[at++] = COMMA;
    const m = base + MEMBER * order[k]!;
    const end = list[m + 3]!;
    for (let i = list[m + 2]!; i < end; i++) to[at++] = from[i]!;
  }
  to.copy(from, membersStart, 0, length);
  return true;
}

/**
 * A key's first four bytes as one number: comparing two of them orders keys
 * as their bytes do, as far as those bytes go (a shorter key pads with 0,
 * below any byte a key holds unescaped), so most comparisons stop there.
 */
function keyPrefix(start: number, end: number): number {
  const from = src;
  let prefix = 0;
  for (let i = start; i < start + 4; i++) prefix = prefix * 256 + (i < end ? from[i]! : 0);
  return prefix;
}

/** Orders the member at `members[m]` against the key src[b, bEnd) (prefix: keyPrefix of it): byte by byte, i.e. as UTF-16 code units for ASCII keys. */
function compareMembers(m: number, b: number, bEnd: number, prefix: number): number {
  const list = members;
  const d = list[m + 4]! - prefix;
  if (d !== 0) return d;
  const from = src;
  const a = list[m]!;
  const aEnd = list[m + 1]!;
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 4; i < n; i++) {
    const c = from[a + i]! - from[b + i]!;
    if (c !== 0) return c;
  }
  return aEnd - a - (bEnd - b);
}

function array(p: number, depth: number): number {
  out[pos++] = LBRACKET;
  p = skipSpace(p + 1);
  if (p < limit && src[p] === RBRACKET) {
    out[pos++] = RBRACKET;
    return p + 1;
  }
  for (;;) {
    p = value(p, depth + 1);
    if (p < 0) return -1;
    p = skipSpace(p);
    if (p >= limit) return -1;
    if (src[p] === COMMA) {
      out[pos++] = COMMA;
      p = skipSpace(p + 1);
      continue;
    }
    if (src[p] !== RBRACKET) return -1;
    out[pos++] = RBRACKET;
    return p + 1;
  }
}

function literal(p: number, word: string): number {
  if (p + word.length > limit) return -1;
  const from = src;
  for (let i = 0; i < word.length; i++) if (from[p + i] !== word.charCodeAt(i)) return -1;
  const to = out;
  let at = pos;
  for (let i = 0; i < word.length; i++) to[at++] = from[p + i]!;
  pos = at;
  return p + word.length;
}

/** A JSON number (RFC 8259's grammar, checked), written as its double's ECMAScript form, which is JCS's (-0 as 0). */
function number(p: number): number {
  const from = src;
  const end = limit;
  let i = p;
  if (from[i] === MINUS) i += 1;
  const intStart = i;
  if (i < end && from[i] === ZERO) i += 1;
  else if (i < end && from[i]! >= ZERO && from[i]! <= NINE) while (i < end && from[i]! >= ZERO && from[i]! <= NINE) i += 1;
  else return -1;
  const intDigits = i - intStart;
  let plain = true;
  if (i < end && from[i] === DOT) {
    plain = false;
    i += 1;
    const digits = i;
    while (i < end && from[i]! >= ZERO && from[i]! <= NINE) i += 1;
    if (i === digits) return -1;
  }
  if (i < end && (from[i] === 0x65 || from[i] === 0x45)) {
    plain = false;
    i += 1;
    if (i < end && (from[i] === PLUS || from[i] === MINUS)) i += 1;
    const digits = i;
    while (i < end && from[i]! >= ZERO && from[i]! <= NINE) i += 1;
    if (i === digits) return -1;
  }
  if (plain && intDigits <= EXACT_DIGITS) {
    const to = out;
    let at = pos;
    // -0 parses to -0, which JCS writes as 0.
    if (intDigits === 1 && from[intStart] === ZERO) to[at++] = ZERO;
    else for (let k = p; k < i; k++) to[at++] = from[k]!;
    pos = at;
    return i;
  }
  let text = '';
  for (let k = p; k < i; k++) text += String.fromCharCode(from[k]!);
  const n = Number(text);
  if (!Number.isFinite(n)) return -1;
  writeAscii(String(n), i);
  return i;
}

/** Writes a number's text, making room for it and for the rest of the payload (from `p`) first. */
function writeAscii(text: string, p: number): void {
  sink!.length = pos;
  sink!.reserve(text.length + limit - p + 64);
  out = sink!.bytes;
  for (let k = 0; k < text.length; k++) out[pos++] = text.charCodeAt(k);
}

function skipSpace(p: number): number {
  const from = src;
  const end = limit;
  while (p < end) {
    const c = from[p];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    p += 1;
  }
  return p;
}
