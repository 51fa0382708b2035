import { findSensitive, findSensitiveText, redact, redactText } from '@airlock/guardrails';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_RUNS, luhnInvalidCard, luhnValidCard, mixedText, secretToken, sensitiveJson, sensitiveValue, surroundingText, validSsn } from './arbitraries.test-support.js';

/** Keys and array lengths, leaves erased: what "same shape" means. A key with a sensitive span is redacted itself (in its place). */
function skeleton(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(skeleton);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).map(([k, v]) => [findSensitiveText(k).length > 0 || /\[REDACTED:/.test(k) ? 'a redacted key' : k, skeleton(v)]);
  return null;
}

/** The redacted copy's skeleton, its redacted keys (those holding a marker) named alike. */
function redactedSkeleton(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactedSkeleton);
  if (typeof value === 'object' && value !== null) return Object.entries(value).map(([k, v]) => [/\[REDACTED:/.test(k) ? 'a redacted key' : k, redactedSkeleton(v)]);
  return null;
}

describe('redaction properties (fast-check)', () => {
  it('is idempotent: redacting redacted output changes nothing and finds nothing', () => {
    fc.assert(
      fc.property(sensitiveJson, (value) => {
        const once = redact(value);
        const twice = redact(once.value);
        expect(twice.value).toEqual(once.value);
        expect(twice.findings).toEqual([]);
      }),
      PROPERTY_RUNS,
    );
  });

  it.each([
    ['Luhn-valid card', luhnValidCard],
    ['valid SSN', validSsn],
    ['email address', fc.emailAddress()],
    ['credential token', secretToken],
  ])('never lets a %s through, whatever text surrounds it', (_label, secret) => {
    fc.assert(
      fc.property(surroundingText, secret, surroundingText, (before, value, after) => {
        const text = `${before} ${value} ${after}`;
        expect(redactText(text).text).not.toContain(value);
        const { value: redacted, findings } = redact({ note: text, items: [text], keyed: { [text]: text } });
        expect(JSON.stringify(redacted)).not.toContain(JSON.stringify(value).slice(1, -1));
        expect(JSON.stringify(findings)).not.toContain(JSON.stringify(value).slice(1, -1));
      }),
      PROPERTY_RUNS,
    );
  });

  it('never lets a card or an SSN through with invisible characters inside it or its groups set off by other spaces or dashes', () => {
    const separator = fc.constantFrom('\u00A0', '\u202F', '\u2009', '\u2007', '\u3000', '\u2013', '\u2012');
    const unseen = fc.constantFrom('\u200B', '\u200E', '\u200F', '\u061C', '\u2066', '\u00AD', '\u034F', '\uFE0F', '\u3164', '\u{E0041}', '\u{1D173}');
    const value = fc.oneof(
      luhnValidCard.map((v) => ['card', v] as const),
      validSsn.map((v) => ['national_id', v] as const),
    );
    fc.assert(
      fc.property(value, separator, fc.array(fc.tuple(fc.nat(), unseen), { maxLength: 4 }), ([kind, plain], between, insertions) => {
        const chars = [...plain.replace(/[ -]/g, between)];
        for (const [at, char] of insertions) chars.splice(1 + (at % (chars.length - 1)), 0, char); // inside the value
        expect(redactText(`pay ${chars.join('')} now`).text).toBe(`pay [REDACTED:${kind}] now`);
      }),
      PROPERTY_RUNS,
    );
  });

  it('never lets a card number through as a JSON number', () => {
    const asNumber = luhnValidCard.map((card) => Number(card.replace(/\D/g, ''))).filter((n) => Number.isSafeInteger(n));
    fc.assert(
      fc.property(asNumber, fc.constantFrom('card', 'amount', 'id', 'x'), (number, key) => {
        const { value, findings } = redact({ [key]: number, list: [number] });
        expect(value).toEqual({ [key]: '[REDACTED:card]', list: ['[REDACTED:card]'] });
        expect(JSON.stringify({ value, findings })).not.toContain(String(number));
      }),
      PROPERTY_RUNS,
    );
  });

  it('never lets anything sensitive through when values crowd together', () => {
    fc.assert(
      fc.property(fc.array(sensitiveValue, { minLength: 1, maxLength: 4 }), fc.constantFrom(' ', '\n', ', ', ' | '), (values, glue) => {
        const out = redactText(values.join(glue)).text;
        for (const value of values) expect(out).not.toContain(value);
      }),
      PROPERTY_RUNS,
    );
  });

  it('does not report Luhn-invalid 16-digit numbers as cards', () => {
    fc.assert(
      fc.property(luhnInvalidCard, fc.string({ unit: fc.constantFrom(...'abcdefghij XYZ:#'), maxLength: 12 }), (number, words) => {
        expect(findSensitiveText(number).filter((f) => f.kind === 'card')).toEqual([]);
        expect(findSensitiveText(`${words} ${number} ${words}`).filter((f) => f.kind === 'card')).toEqual([]);
      }),
      PROPERTY_RUNS,
    );
  });

  it('keeps the shape of any JSON value: same keys in the same order (redacted where sensitive), same array lengths, input untouched', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), sensitiveJson), (value) => {
        const before = structuredClone(value);
        const { value: redacted } = redact(value);
        expect(redactedSkeleton(redacted)).toEqual(skeleton(value));
        expect(value).toEqual(before);
      }),
      PROPERTY_RUNS,
    );
  });

  it('returns strings without digits, "@" or credential markers unchanged', () => {
    const credentialMarkers =
      /akia|asia|abia|acca|gh[pousr]_|github_pat_|xox[abprs]-|[sr]k_live_|alk_|bearer|-----begin|passw|secret|api[_-]?key|access[_-]?key|token|private[_-]?key/i;
    const plain = fc.string({ unit: 'grapheme', maxLength: 80 }).filter((s) => !/[0-9@]/.test(s) && !credentialMarkers.test(s));
    fc.assert(
      fc.property(plain, (text) => {
        expect(redactText(text)).toEqual({ text, findings: [] });
        expect(redact({ text, list: [text] }).value).toEqual({ text, list: [text] });
      }),
      PROPERTY_RUNS,
    );
  });

  it('reports the spans that redaction replaces, at the same offsets findSensitive gives', () => {
    fc.assert(
      fc.property(mixedText, (text) => {
        const spans = findSensitiveText(text);
        expect(findSensitive(text)).toEqual(spans.map((span) => ({ path: '$', ...span })));
        let rebuilt = text;
        for (const span of [...spans].reverse()) rebuilt = `${rebuilt.slice(0, span.start)}[REDACTED:${span.kind}]${rebuilt.slice(span.end)}`;
        expect(redactText(text)).toEqual({ text: rebuilt, findings: spans });
      }),
      PROPERTY_RUNS,
    );
  });
});
