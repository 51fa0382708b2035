import type { Detector } from '../types.js';

function* spans(text: string, pattern: RegExp, accept: (match: RegExpExecArray) => boolean = () => true) {
  for (const match of text.matchAll(pattern)) {
    if (accept(match)) yield { start: match.index, end: match.index + match[0].length };
  }
}

const LOCAL_CHAR = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/;
const DOMAIN = /(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}/y;

/**
 * Email addresses, found from each `@` outwards rather than by one regex, so a long
 * run of address-like characters costs linear time and a dotted prefix
 * ("see...bob@example.com") cannot hide the address.
 */
export const email: Detector = {
  kind: 'email',
  name: 'email',
  mayOccur: (text) => text.includes('@'),
  *find(text) {
    for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
      let start = at;
      while (start > 0 && LOCAL_CHAR.test(text.charAt(start - 1))) start--;
      const local = text.slice(start, at);
      const doubleDot = local.lastIndexOf('..');
      if (doubleDot !== -1) start += doubleDot + 2;
      while (text.charAt(start) === '.' && start < at) start++;
      if (start === at || text.charAt(at - 1) === '.') continue;
      DOMAIN.lastIndex = at + 1;
      const domain = DOMAIN.exec(text);
      if (domain) yield { start, end: at + 1 + domain[0].length };
    }
  },
};

// Phone numbers, in shapes that amounts, dates and ids do not take:
// `+` and 10–15 digits (E.164), `+` with separators (8–15 digits), North American
// 3-3-4 with one kind of separator, and national numbers with a leading trunk 0.
// A number glued to letters, digits or a decimal point is something else.
const BEFORE = String.raw`(?<![\w+.,/@-])`;
const AFTER = String.raw`(?![\w@])(?![.,/-]\d)`;
// `marks`: one of these characters is in every match of the shape (its `+`, its parenthesis, its separator).
export const PHONE_SHAPES: readonly { pattern: RegExp; digits: [number, number]; marks: readonly string[] }[] = [
  { pattern: new RegExp(String.raw`${BEFORE}\+[1-9]\d{9,14}${AFTER}`, 'g'), digits: [10, 15], marks: ['+'] },
  {
    pattern: new RegExp(String.raw`${BEFORE}\+[1-9]\d{0,3}(?:([ .-])(?:\(\d{1,4}\)\d{0,4}|\d{1,5}))(?:\1(?:\(\d{1,4}\)\d{0,4}|\d{1,5})){1,5}${AFTER}`, 'g'),
    digits: [8, 15],
    marks: ['+'],
  },
  { pattern: new RegExp(String.raw`${BEFORE}\+[1-9]\d{0,3} ?\(\d{1,4}\) ?\d{2,4}(?:[ .-]?\d{2,4}){1,3}${AFTER}`, 'g'), digits: [8, 15], marks: ['+'] },
  { pattern: new RegExp(String.raw`${BEFORE}(?:1([ .-]))?[2-9]\d{2}([ .-])\d{3}\2\d{4}${AFTER}`, 'g'), digits: [10, 11], marks: [' ', '.', '-'] },
  { pattern: new RegExp(String.raw`${BEFORE}(?:1[ .-]?)?\([2-9]\d{2}\) ?\d{3}[ .-]\d{4}${AFTER}`, 'g'), digits: [10, 11], marks: ['('] },
  { pattern: new RegExp(String.raw`${BEFORE}0\d{1,4}([ .-])\d{2,8}(?:\1\d{2,4}){0,3}${AFTER}`, 'g'), digits: [10, 12], marks: [' ', '.', '-'] },
  { pattern: new RegExp(String.raw`${BEFORE}\(0\d{1,4}\) ?\d{3,4}[ .-]?\d{3,4}${AFTER}`, 'g'), digits: [10, 12], marks: ['('] },
];

const PHONE_MIN_DIGITS = Math.min(...PHONE_SHAPES.map((shape) => shape.digits[0]));

export const phone: Detector = {
  kind: 'phone',
  name: 'phone',
  // Every shape's accepted digit count starts at 8 or more.
  mayOccur: (_text, facts) => facts.digits >= PHONE_MIN_DIGITS,
  *find(text) {
    for (const {
      pattern,
      digits: [min, max],
      marks,
    } of PHONE_SHAPES) {
      if (!marks.some((mark) => text.includes(mark))) continue;
      yield* spans(text, pattern, (match) => {
        const count = match[0].replace(/\D/g, '').length;
        return count >= min && count <= max;
      });
    }
  },
};
