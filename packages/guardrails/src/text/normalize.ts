// Text as a matcher should see it: what a model would read, not how it was spelled to dodge a filter.

/** Zero-width and bidi control characters that render as nothing yet change what a model reads. */
const INVISIBLE = /\u200D|[\u200B\u200C\u2060-\u2064\uFEFF\u202A-\u202E\u2066-\u2069\u00AD\u180E]/gu;
const HAS_INVISIBLE = new RegExp(INVISIBLE.source, 'u');
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
  ν: 'v',
  κ: 'k',
  ρ: 'p',
  α: 'a',
};
const HOMOGLYPH_CHARS = new RegExp(`[${Object.keys(HOMOGLYPHS).join('')}]`, 'gu');

export interface HiddenCharacters {
  /** Zero-width or bidi controls between visible text (joiners inside emoji sequences do not count). */
  invisible: number;
  /** Unicode tag characters, which can carry a whole hidden instruction. */
  tags: number;
}

export function countHiddenCharacters(text: string): HiddenCharacters {
  let invisible = 0;
  for (const match of text.matchAll(INVISIBLE)) {
    if (!isLegitimateJoiner(text, match.index, match[0])) invisible++;
  }
  return { invisible, tags: text.match(TAGS)?.length ?? 0 };
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
  const normalized = revealed
    .toLowerCase()
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
