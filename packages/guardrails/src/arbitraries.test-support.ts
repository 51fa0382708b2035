import fc from 'fast-check';

// Generators for values the redactor must never let through, each shaped like the real thing.

const DIGIT = fc.integer({ min: 0, max: 9 }).map(String);
const UPPER_ALNUM = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
const ALNUM = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
const BASE64URL = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

/** Every fixed run in tests, so a failure reproduces. */
export const PROPERTY_RUNS = { numRuns: 1_000, seed: 0x5eed_a1c };

export function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

function groupInFours(digits: string, separator: string): string {
  return digits.match(/.{1,4}/g)?.join(separator) ?? digits;
}

/** An issuer prefix and a length that brand issues (the detector knows only real IIN ranges). */
const ISSUED = fc.constantFrom<[string, number]>(
  ['4', 16],
  ['4', 13],
  ['4', 19],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['2720', 16],
  ['34', 15],
  ['37', 15],
  ['300', 14],
  ['36', 14],
  ['38', 16],
  ['3528', 16],
  ['3589', 19],
  ['6011', 16],
  ['644', 16],
  ['65', 19],
  ['62', 16],
  ['62', 19],
  ['81', 16],
  ['50', 16],
  ['57', 13],
  ['6304', 19],
  ['2200', 16],
  ['60', 16],
  ['9792', 16],
);

/** Luhn-valid numbers in a brand's issuer range and length, written plain or in groups of four. */
export const luhnValidCard = fc.tuple(ISSUED, fc.array(DIGIT, { minLength: 18, maxLength: 18 }), fc.constantFrom('', ' ', '-')).map(([[prefix, length], fill, separator]) => {
  const body = (prefix + fill.join('')).slice(0, length - 1);
  return groupInFours(body + luhnCheckDigit(body), separator);
});

/** 16 digits whose last digit breaks Luhn. */
export const luhnInvalidCard = fc
  .tuple(fc.integer({ min: 1, max: 9 }), fc.array(DIGIT, { minLength: 14, maxLength: 14 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom('', ' ', '-'))
  .map(([first, rest, offset, separator]) => {
    const body = `${first}${rest.join('')}`;
    const wrong = (Number(luhnCheckDigit(body)) + offset) % 10;
    return groupInFours(`${body}${wrong}`, separator);
  });

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** US SSNs that pass the validity rules: area 001–899 but not 666, group 01–99, serial 0001–9999. */
export const validSsn = fc
  .tuple(
    fc.integer({ min: 1, max: 899 }).filter((a) => a !== 666),
    fc.integer({ min: 1, max: 99 }),
    fc.integer({ min: 1, max: 9999 }),
  )
  .map(([area, group, serial]) => `${pad(area, 3)}-${pad(group, 2)}-${pad(serial, 4)}`);

const base64url = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

export const jwtToken = fc
  .tuple(
    fc.constantFrom('HS256', 'RS256', 'ES256', 'EdDSA'),
    fc.record({ sub: fc.string({ maxLength: 20 }), iat: fc.nat(), scope: fc.string({ maxLength: 10 }) }),
    fc.uint8Array({ minLength: 32, maxLength: 64 }),
  )
  .map(([alg, claims, signature]) => `${base64url({ alg, typ: 'JWT' })}.${base64url(claims)}.${Buffer.from(signature).toString('base64url')}`);

const chars = (unit: fc.Arbitrary<string>, length: number, maxLength = length) => fc.string({ unit, minLength: length, maxLength });

/** Credentials with well-known shapes. */
export const secretToken = fc.oneof(
  fc.tuple(fc.constantFrom('AKIA', 'ASIA'), chars(UPPER_ALNUM, 16)).map(([p, s]) => p + s),
  fc.tuple(fc.constantFrom('ghp_', 'gho_', 'ghs_'), chars(ALNUM, 36, 40)).map(([p, s]) => p + s),
  fc.tuple(chars(ALNUM, 22), chars(ALNUM, 59)).map(([a, b]) => `github_pat_${a}_${b}`),
  fc.tuple(fc.constantFrom('xoxb', 'xoxp', 'xoxa'), chars(DIGIT, 10, 13), chars(ALNUM, 24)).map(([p, n, s]) => `${p}-${n}-${s}`),
  fc.tuple(fc.constantFrom('sk_live_', 'rk_live_'), chars(ALNUM, 24, 99)).map(([p, s]) => p + s),
  chars(BASE64URL, 32, 64).map((s) => `alk_${s}`),
  jwtToken,
);

/** Anything the redactor must catch. */
export const sensitiveValue = fc.oneof(luhnValidCard, validSsn, fc.emailAddress(), secretToken);

/** Printable ASCII, which includes digits, '@', '+', '-' and the like next to the value. */
export const surroundingText = fc.string({ maxLength: 40 });

/** Text mixing noise and sensitive values, glued with separators that make adjacency awkward. */
export const mixedText = fc
  .array(fc.tuple(fc.oneof(surroundingText, sensitiveValue), fc.constantFrom('', ' ', '\n', ':', '=', '-', '.', '"')), { maxLength: 6 })
  .map((parts) => parts.map(([text, glue]) => text + glue).join(''));

// Keys an agent chooses: plain, credential names, or themselves sensitive (an email or a card number as a key), twice
// in one object at times, so two keys redact alike.
const objectKey = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('password', 'apiKey', 'authorization', 'note', 'max_tokens', 'client_secret', 'memo', '[REDACTED:email]'),
  sensitiveValue,
);

/** JSON-like values whose strings carry sensitive values and whose keys are sometimes credential names or sensitive values. */
export const sensitiveJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    mixedText,
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(objectKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;
