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

// Characters a reader does not see (zero-width, bidi controls, soft hyphen, tag characters), and
// full-width forms (U+FF01–FF5E) a reader takes for ASCII: "4111\u200B1111\u200B1111\u200B1111" and
// "４１１１…" are a card number to anyone reading the stored arguments, but no detector matched them,
// so they were stored unredacted. The same characters the injection scan reveals (text/normalize.ts).
const UNSEEN = /[\u200B-\u200D\u2060-\u2064\uFEFF\u202A-\u202E\u2066-\u2069\u00AD\u180E]|\uDB40[\uDC00-\uDC7F]/g;
const HAS_UNSEEN = new RegExp(UNSEEN.source);
const FULL_WIDTH = /[\uFF01-\uFF5E]/;

/**
 * The text as read (unseen characters dropped, full-width forms as ASCII) with a map from its
 * offsets back to the original's, so a span found in it redacts the original, hidden characters
 * and all. Null when the text has nothing to drop or fold (the common case: no copy is made).
 */
function visibleView(text: string): { text: string; toOriginal: (span: SensitiveSpan) => SensitiveSpan } | null {
  if (!HAS_UNSEEN.test(text) && !FULL_WIDTH.test(text)) return null;
  let out = '';
  const origin: number[] = [];
  let from = 0;
  const keep = (to: number) => {
    for (let i = from; i < to; i++) {
      const code = text.charCodeAt(i);
      out += code >= 0xff01 && code <= 0xff5e ? String.fromCharCode(code - 0xfee0) : text[i];
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
