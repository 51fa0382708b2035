import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROPERTY_RUNS, mixedText, sensitiveValue, surroundingText } from './arbitraries.test-support.js';
import { PHONE_SHAPES } from './sensitive/detectors/contact.js';
import { DETECTORS } from './sensitive/detectors/index.js';
import { textFacts } from './sensitive/find.js';

// Whole values of every kind and the fragments a precondition looks for (a prefix cut short,
// a lone separator, too few digits), glued together, so texts land on both sides of each test.
const piece = fc.constantFrom(
  '4111 1111 1111 1111',
  '378282246310005',
  '078-05-1120',
  'AB 12 34 56 C',
  'GB82 WEST 1234 5698 7654 32',
  'NO9386011117947',
  'jane@example.com',
  '+14155552671',
  '+44 20 7946 0958',
  '(415) 555-2671',
  '+1 (415) 555-2671',
  '1-415-555-2671',
  '415.555.2671',
  '020 7946 0958',
  '(020) 7946 0958',
  'AKIAIOSFODNN7EXAMPLE',
  'xoxb-1234567890-abcdefghijklmnop',
  'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
  'alk_Zm9vYmFy_-Zm9vYmFy_-Zm9vYmFy_-Zm9vYmFy',
  `ghp_${'a1B2'.repeat(9)}`,
  'Bearer abc123.def456',
  'password=hunter2',
  'API_KEY: "x1"',
  'Token: s3cret!',
  '-----BEGIN PRIVATE KEY-----\nMIIE',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
  '[REDACTED:card]',
  ' ',
  '-',
  '.',
  ':',
  '=',
  '@',
  '+',
  '(',
  '0',
  '12',
  '1234',
  '_',
  'gh',
  'earer',
  'AKI',
  'xo',
  '_live',
  'alk',
  '-----BEGIN',
  'pass',
);
const nearMisses = fc.array(fc.oneof(piece, surroundingText), { maxLength: 8 }).map((parts) => parts.join(''));

describe('detector preconditions', () => {
  it('only skip a detector that would find nothing (so skipping changes no output)', () => {
    const fired = new Set<string>();
    fc.assert(
      fc.property(fc.oneof(nearMisses, mixedText, sensitiveValue), (text) => {
        const facts = textFacts(text);
        for (const detector of DETECTORS) {
          if ([...detector.find(text)].length === 0) continue;
          fired.add(detector.name);
          expect({ detector: detector.name, text, mayOccur: detector.mayOccur(text, facts) }).toEqual({ detector: detector.name, text, mayOccur: true });
        }
      }),
      { ...PROPERTY_RUNS, numRuns: 5_000 },
    );
    // Not vacuous: every detector found something in the generated texts.
    expect([...fired].sort()).toEqual(DETECTORS.map((d) => d.name).sort());
  });

  it('skip a phone shape only when its text lacks every mark the shape needs', () => {
    const fired = new Set<number>();
    fc.assert(
      fc.property(fc.oneof(nearMisses, mixedText), (text) => {
        PHONE_SHAPES.forEach(({ pattern, marks }, shape) => {
          if ([...text.matchAll(pattern)].length === 0) return;
          fired.add(shape);
          expect({ shape, text, marked: marks.some((mark) => text.includes(mark)) }).toEqual({ shape, text, marked: true });
        });
      }),
      { ...PROPERTY_RUNS, numRuns: 5_000 },
    );
    expect(fired.size).toBe(PHONE_SHAPES.length);
  });
});
