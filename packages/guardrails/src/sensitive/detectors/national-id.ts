import { ibanChecksumValid } from '../checksums.js';
import type { Detector } from '../types.js';

// US Social Security numbers, dashed or spaced, not glued to an id or a date: never area 000, 666 or 9xx, group 00 or serial 0000.
const SSN = /(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|[.,]\d)/g;

export const usSsn: Detector = {
  kind: 'national_id',
  name: 'us_ssn',
  mayOccur: (_text, facts) => facts.digits >= 9,
  *find(text) {
    for (const match of text.matchAll(SSN)) {
      const [, area = '', , group = '', serial = ''] = match;
      if (area === '000' || area === '666' || area.startsWith('9') || group === '00' || serial === '0000') continue;
      yield { start: match.index, end: match.index + match[0].length };
    }
  },
};

// UK National Insurance numbers: QQ 12 34 56 C, with HMRC's prefix rules.
const NINO = /(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;
const NINO_NEVER_ISSUED = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

export const ukNino: Detector = {
  kind: 'national_id',
  name: 'uk_nino',
  mayOccur: (_text, facts) => facts.digits >= 6,
  *find(text) {
    for (const match of text.matchAll(NINO)) {
      if (NINO_NEVER_ISSUED.has(match[1] ?? '')) continue;
      yield { start: match.index, end: match.index + match[0].length };
    }
  },
};

// IBAN lengths by country (SWIFT IBAN registry); the length pins where an IBAN ends in running text.
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};
const IBAN_START = /(?<![A-Za-z0-9])([A-Z]{2})\d{2}/g;

/** IBANs, compact or printed in groups of four, valid under mod 97. */
export const iban: Detector = {
  kind: 'national_id',
  name: 'iban',
  // Two check digits, and Norway's 15 characters are the shortest IBAN.
  mayOccur: (text, facts) => facts.digits >= 2 && text.length >= 15,
  *find(text) {
    for (const match of text.matchAll(IBAN_START)) {
      const length = IBAN_LENGTHS[match[1] ?? ''];
      if (length === undefined) continue;
      const end = ibanEnd(text, match.index, length);
      if (end === undefined) continue;
      const compact = text.slice(match.index, end).replace(/ /g, '');
      if (ibanChecksumValid(compact)) yield { start: match.index, end };
    }
  },
};

/** Where an IBAN of `length` characters starting at `start` ends (single spaces allowed between characters), if it does. */
function ibanEnd(text: string, start: number, length: number): number | undefined {
  let taken = 0;
  let i = start;
  while (taken < length) {
    const char = text.charAt(i);
    if (/[A-Z0-9]/.test(char)) {
      taken++;
      i++;
    } else if (char === ' ' && taken > 0 && /[A-Z0-9]/.test(text.charAt(i + 1))) {
      i++;
    } else {
      return undefined;
    }
  }
  return /[A-Za-z0-9]/.test(text.charAt(i)) ? undefined : i;
}
