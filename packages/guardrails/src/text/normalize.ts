// Text as a matcher should see it: what a model would read, not how it was spelled to dodge a filter.

/**
 * Characters that render as nothing yet change what a model reads: Unicode's default-ignorable code points
 * (zero-width characters, bidi marks and controls, soft hyphen, variation selectors, fillers), the set a
 * renderer hides, since a hand-picked list let U+200E, U+200F and U+061C through. Tag characters are
 * left to TAGS, which reveals the ASCII they spell.
 */
const INVISIBLE = /(?![\u{E0000}-\u{E007F}])\p{Default_Ignorable_Code_Point}/gu;
const HAS_INVISIBLE = new RegExp(INVISIBLE.source, 'u');
/** Variation selectors choose a glyph for the character before them (❤️, a kanji's variant in a name). */
const VARIATION_SELECTOR = /^(?:[\u180B-\u180D\u180F\uFE00-\uFE0F]|[\u{E0100}-\u{E01EF}])$/u;
/** Bidi marks that right-to-left text needs around numbers and punctuation (LRM, RLM, ALM). */
const BIDI_MARK = /^[\u200E\u200F\u061C]$/;
const RIGHT_TO_LEFT_LETTER = /(?=\p{L})[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Adlam}]/u;
const UNSEEN_OR_SPACE = /^(?:\p{Default_Ignorable_Code_Point}|\s)$/u;
/** Unicode tag characters (U+E0000–E007F) mirror ASCII invisibly ("ASCII smuggling"). */
const TAGS = /[\u{E0000}-\u{E007F}]/gu;
const TAG_RUN = /[\u{E0000}-\u{E007F}]+/gu;

// Letters from other scripts that look Latin; only the ones seen in filter evasion.
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɑ: 'a',
  ο: 'o',
  ι: 'i',
  ı: 'i',
  ν: 'v',
  κ: 'k',
  ρ: 'p',
  α: 'a',
};
const HOMOGLYPH_CHARS = new RegExp(`[${Object.keys(HOMOGLYPHS).join('')}]`, 'gu');

export interface HiddenCharacters {
  /**
   * Invisible characters between visible text. Honest uses do not count: joiners in emoji and joined scripts,
   * one variation selector after its character, and bidi marks in text with right-to-left letters.
   */
  invisible: number;
  /** Unicode tag characters, which can carry a whole hidden instruction. */
  tags: number;
}

export function countHiddenCharacters(text: string): HiddenCharacters {
  let invisible = 0;
  let rightToLeft: boolean | undefined; // looked up once, at the first bidi mark
  for (const match of text.matchAll(INVISIBLE)) {
    const char = match[0];
    if (isLegitimateJoiner(text, match.index, char) || isLegitimateSelector(text, match.index, char)) continue;
    if (BIDI_MARK.test(char) && (rightToLeft ??= RIGHT_TO_LEFT_LETTER.test(text))) continue;
    invisible++;
  }
  return { invisible, tags: text.match(TAGS)?.length ?? 0 };
}

/**
 * One variation selector after a visible character picks its glyph; a run of them after one character
 * (or one with nothing visible before it) carries hidden bytes instead ("emoji smuggling").
 */
function isLegitimateSelector(text: string, index: number, char: string): boolean {
  if (!VARIATION_SELECTOR.test(char)) return false;
  const before = [...text.slice(Math.max(0, index - 2), index)].at(-1);
  return before !== undefined && !UNSEEN_OR_SPACE.test(before);
}

/**
 * Joiners have honest uses: ZWJ glues emoji sequences (👩‍💻), and ZWJ/ZWNJ shape
 * Arabic, Persian and Indic words. Only joiners beside Latin text or nothing count as hidden.
 */
function isLegitimateJoiner(text: string, index: number, char: string): boolean {
  if (char !== '\u200D' && char !== '\u200C') return false;
  const before = text.slice(Math.max(0, index - 2), index);
  const after = text.slice(index + 1, index + 3);
  const emoji = /\p{Extended_Pictographic}|\uFE0F|\p{Emoji_Modifier}/u;
  if (char === '\u200D' && emoji.test(before) && /\p{Extended_Pictographic}/u.test(after)) return true;
  const joinedScript = /(?!\p{Script=Latin})\p{L}|\p{M}/u;
  return joinedScript.test(before.slice(-1)) || joinedScript.test(after.slice(0, 1));
}

/**
 * Invisible characters removed (or, with `invisibleAs: ' '`, turned into spaces);
 * a run of tag characters becomes the ASCII it hides, set off by spaces.
 */
export function revealHidden(text: string, invisibleAs: '' | ' ' = ''): string {
  return text.replace(INVISIBLE, invisibleAs).replace(TAG_RUN, (run) => {
    const ascii = [...run]
      .map((tag) => (tag.codePointAt(0) ?? 0) - 0xe0000)
      .filter((code) => code >= 0x20 && code < 0x7f)
      .map((code) => String.fromCharCode(code));
    return ` ${ascii.join('')} `;
  });
}

export interface MatchForms {
  /** Hidden characters revealed and NFKC applied, case preserved: for encoded blobs. */
  revealed: string;
  /** Lower case, Latin look-alikes folded, whitespace collapsed: for token and URL rules. */
  normalized: string;
  /** `normalized` with apostrophes dropped and every other non-alphanumeric run as one space: for phrase rules. */
  words: string;
}

/**
 * The forms to match: one with invisible characters dropped ("ig\u200Bnore" reads "ignore"),
 * and, when there are any, one with them as spaces ("ignore\u200Bprevious" reads two words).
 */
export function matchFormVariants(text: string): MatchForms[] {
  return HAS_INVISIBLE.test(text) ? [matchForms(revealHidden(text)), matchForms(revealHidden(text, ' '))] : [matchForms(revealHidden(text))];
}

function matchForms(revealedText: string): MatchForms {
  const revealed = revealedText.normalize('NFKC');
  const normalized = withoutMarks(revealed.toLowerCase())
    .replace(HOMOGLYPH_CHARS, (c) => HOMOGLYPHS[c] ?? c)
    .replace(/[\u2018\u2019\u02BC\u2032`]/gu, "'")
    .replace(/[\u2010-\u2015\u2212]/gu, '-')
    .replace(/\s+/gu, ' ')
    .trim();
  const words = normalized
    .replace(/'/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return { revealed, normalized, words };
}

// Printable ASCII and line breaks have no marks to drop: most text is all of it, and is left as it is.
const MAY_HOLD_MARKS = /[^ -~\t\n\r]/;
const COMBINING_MARKS = /\p{M}/gu;

/**
 * Letters without their accents and dots: "İGNORE" lower-cases to "i̇gnore" (an i and a combining dot, which
 * the words form turned into a space) and "prevíous" reads "previous" to a model.
 */
function withoutMarks(text: string): string {
  return MAY_HOLD_MARKS.test(text) ? text.normalize('NFD').replace(COMBINING_MARKS, '') : text;
}
