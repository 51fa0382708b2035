import { DETECTORS } from './detectors/index.js';
import type { SensitiveSpan, TextFacts } from './types.js';

type RankedSpan = SensitiveSpan & { rank: number };

// Stands in for a redaction marker while looking again: like the marker's brackets it is
// no digit, letter, separator or token character, and it keeps every offset in place.
const MASK = '\u0000';
const MAX_PASSES = 8;

/**
 * Sensitive spans in one string, sorted and non-overlapping. Overlapping detections
 * merge into one span (so redaction never leaves part of a value behind), named after
 * the most specific detector involved.
 *
 * Some detectors look at context ("not followed by .5"), and redacting a neighbour
 * changes that context. So detection repeats on the text with the spans found so far
 * masked, until nothing new turns up: what redaction leaves behind holds nothing more
 * to find, which is what makes `redact` idempotent.
 */
export function findSensitiveText(text: string): SensitiveSpan[] {
  const view = visibleView(text);
  if (view === null) return findIn(text);
  // Also the text as spelled: a detector may rely on a character the view drops or folds.
  const ranked = [...findIn(text), ...findIn(view.text).map(view.toOriginal)].map((span) => ({ ...span, rank: DETECTORS.findIndex((d) => d.name === span.detector) }));
  return mergeSpans(ranked).map(({ kind, detector, start, end }) => ({ kind, detector, start, end }));
}

// Characters a reader does not see, and characters a reader takes for ASCII: "4111\u200E1111\u200E1111\u200E1111",
// "４１１１…" and "4111\u00A01111\u00A01111\u00A01111" are a card number to anyone reading the stored arguments,
// but no detector matched them, so they were stored unredacted.
// Unseen: Unicode's default-ignorable code points, the set a renderer draws as nothing (zero-width characters, bidi
// marks and controls such as U+200E and U+061C, soft hyphen, variation selectors, fillers, tag characters); a
// hand-picked list missed some. The same set the injection scan reveals (text/normalize.ts).
const UNSEEN = /\p{Default_Ignorable_Code_Point}/gu;
// Read as ASCII: full-width forms (U+FF01–FF5E), spaces other than U+0020 (no-break, thin, narrow, figure,
// ideographic: digit groups are printed with them) and dashes, so detectors see the separators they know.
const FULL_WIDTH = '\uFF01-\uFF5E';
const SPACES = '\u00A0\u2000-\u200A\u202F\u205F\u3000';
const DASHES = '\u2010-\u2015\u2212';
const SPACE = new RegExp(`[${SPACES}]`);
const DASH = new RegExp(`[${DASHES}]`);
const NEEDS_VIEW = new RegExp(`[${FULL_WIDTH}${SPACES}${DASHES}]|${UNSEEN.source}`, 'u');

/** The ASCII character a reader takes `char` for, or `char` itself. */
function asRead(char: string): string {
  const code = char.charCodeAt(0);
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCharCode(code - 0xfee0);
  if (SPACE.test(char)) return ' ';
  return DASH.test(char) ? '-' : char;
}

/**
 * The text as read (unseen characters dropped, look-alikes of ASCII as ASCII) with a map from its offsets back
 * to the original's, so a span found in it redacts the original, hidden characters and all. Null when the text
 * has nothing to drop or fold (the common case: no copy is made).
 */
function visibleView(text: string): { text: string; toOriginal: (span: SensitiveSpan) => SensitiveSpan } | null {
  if (!NEEDS_VIEW.test(text)) return null;
  let out = '';
  const origin: number[] = [];
  let from = 0;
  const keep = (to: number) => {
    for (let i = from; i < to; i++) {
      out += asRead(text[i]!);
      origin.push(i);
    }
  };
  for (const match of text.matchAll(UNSEEN)) {
    keep(match.index);
    from = match.index + match[0].length;
  }
  keep(text.length);
  return {
    text: out,
    toOriginal: (span) => ({ ...span, start: origin[span.start] ?? text.length, end: span.end > 0 ? (origin[span.end - 1] ?? text.length - 1) + 1 : 0 }),
  };
}

function findIn(text: string): SensitiveSpan[] {
  let spans = detect(text);
  for (let pass = 1; pass < MAX_PASSES && spans.length > 0; pass++) {
    const masked = mask(text, spans);
    const fresh = detect(masked).filter((span) => masked.slice(span.start, span.end).replaceAll(MASK, '') !== '');
    if (fresh.length === 0) break;
    spans = mergeSpans([...spans, ...fresh]);
  }
  return spans.map(({ kind, detector, start, end }) => ({ kind, detector, start, end }));
}

function detect(text: string): RankedSpan[] {
  const facts = textFacts(text);
  const candidates: RankedSpan[] = [];
  DETECTORS.forEach((detector, rank) => {
    if (!detector.mayOccur(text, facts)) return;
    for (const { start, end } of detector.find(text)) {
      if (end > start) candidates.push({ kind: detector.kind, detector: detector.name, start, end, rank });
    }
  });
  return candidates.length > 0 ? mergeSpans(candidates) : [];
}

/** Counted once per pass, for the detectors' preconditions. */
export function textFacts(text: string): TextFacts {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
  }
  return { digits };
}

function mergeSpans(spans: readonly RankedSpan[]): RankedSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.rank - b.rank);
  const merged: RankedSpan[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (!last || span.start >= last.end) {
      merged.push({ ...span });
      continue;
    }
    last.end = Math.max(last.end, span.end);
    if (span.rank < last.rank) Object.assign(last, { kind: span.kind, detector: span.detector, rank: span.rank });
  }
  return merged;
}

function mask(text: string, spans: readonly SensitiveSpan[]): string {
  let out = '';
  let from = 0;
  for (const span of spans) {
    out += text.slice(from, span.start) + MASK.repeat(span.end - span.start);
    from = span.end;
  }
  return out + text.slice(from);
}
