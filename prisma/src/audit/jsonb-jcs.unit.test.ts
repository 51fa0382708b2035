import { canonicalJsonOfParsed } from '@airlock/core/canonical-json-parsed';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteSink } from './byte-sink.js';
import { writeJcsOfJsonbText } from './jsonb-jcs.js';

// The verifier canonicalises payloads from PostgreSQL's jsonb text without parsing them. Here jsonb's text is
// imitated (keys ordered by byte length then bytes, ", " and ": ", numbers as numeric writes them: every digit, no
// exponent, trailing zeros kept) and the bytes compared with the general path's: JSON.parse, then canonicalJsonOfParsed.

type Jsonb = { n: string } | string | boolean | null | Jsonb[] | { o: [string, Jsonb][] };

function jsonbText(v: Jsonb): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonbText).join(', ')}]`;
  if ('n' in v) return v.n;
  const members = [...new Map(v.o).entries()].sort(([a], [b]) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${members.map(([k, x]) => `${JSON.stringify(k)}: ${jsonbText(x)}`).join(', ')}}`;
}

/** A double as numeric writes it: its exact decimal digits, no exponent. */
function plainDecimal(x: number): string {
  const [mantissa, exp] = Math.abs(x).toExponential(20).split('e') as [string, string];
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  const point = Number(exp) + 1;
  const text =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (x < 0 ? '-' : '') + text;
}

const wellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const tricky = fc.constantFrom('"', '\\', '\u0001', '\b', '\t', '\n', '\f', '\r', '\u001f', '\u007f', '\u2028', '😀', 'é', '\ufb33', 'a', 'Z', '1', ' ', '!', '__proto__', '/');
const text = fc.oneof(fc.string(), fc.string({ unit: tricky, maxLength: 5 }), tricky).filter(wellFormed);
const key = fc.oneof(fc.constantFrom('tool', 'args', 'argsHash', 'a', 'ab', 'a b', 'a!', 'B', '10', '2', ''), text);
const numeral = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(plainDecimal),
  fc.tuple(fc.nat(99999), fc.nat(99), fc.nat(4)).map(([i, f, zeros]) => `${i}.${String(f).padStart(2, '0')}${'0'.repeat(zeros)}`),
  fc.constantFrom(
    '0',
    '-0',
    '0.0',
    '-0.00',
    '25.00',
    `1${'0'.repeat(400)}`,
    `0.${'0'.repeat(323)}5`,
    '999999999999999',
    '9999999999999999',
    '1e5',
    '-1.5E-3',
    '123456789012345678901234567890',
  ),
);
const { value } = fc.letrec<{ value: Jsonb }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    numeral.map((n) => ({ n })),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 6 }).map((o) => ({ o })),
  ),
}));

function general(jsonb: string): string {
  try {
    return `ok ${canonicalJsonOfParsed(JSON.parse(jsonb))}`;
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
}

function direct(jsonb: string): string | undefined {
  const sink = new ByteSink();
  const bytes = Buffer.from(`\u0001${jsonb}\u0002`);
  return writeJcsOfJsonbText(bytes, 1, bytes.length - 1, sink) ? `ok ${sink.view().toString('utf8')}` : undefined;
}

describe('writeJcsOfJsonbText: RFC 8785 from jsonb text, for the verifier', () => {
  it('writes the bytes JSON.parse then canonicalJsonOfParsed give, or leaves the value to them', () => {
    let taken = 0;
    fc.assert(
      fc.property(value, (v) => {
        const jsonb = jsonbText(v);
        const result = direct(jsonb);
        if (result !== undefined) {
          taken += 1;
          expect(result).toBe(general(jsonb));
        }
      }),
      { numRuns: 5_000 },
    );
    // Most generated values have a key or string it leaves to the general path; plenty are still taken.
    expect(taken).toBeGreaterThan(1_000);
  });

  it('takes the payloads Airlock writes, numbers in numeric form included', () => {
    const payloads = [
      '{"args": {"amount": "25.00", "reason": "duplicate charge", "currency": "USD", "paymentId": "pay_1"}, "tool": "payments.refund", "argsHash": "aaaa", "rationale": "The customer was charged twice.\\nSee \\"order 881\\".", "requestedBy": null}',
      '{"tier": "low", "reasons": ["small-refunds: refunds up to 50.00 run without approval"], "decision": "allow", "matchedRules": ["small-refunds"], "policyVersion": "27db16d3b800b458"}',
      '{"n": 25.00, "big": 1000000000000000000000, "tiny": 0.0000001, "neg": -0, "list": [1, 2.50, -3.125, true, false, null, {}, []], "ctrl": "\\u0001\\u001f\\t"}',
      '[]',
      '"just a string"',
      '12345',
    ];
    for (const jsonb of payloads) expect(direct(jsonb)).toBe(general(jsonb));
    expect(direct('{"n": 25.00, "big": 1000000000000000000000, "tiny": 0.0000001, "neg": -0}')).toBe('ok {"big":1e+21,"n":25,"neg":0,"tiny":1e-7}');
  });

  it('leaves to the general path what it would have to decode: non-ASCII or escaped keys, \\u escapes JCS writes otherwise, duplicates, numbers past a double', () => {
    for (const jsonb of ['{"é": 1}', '{"a\\tb": 1}', '"\\u00e9"', '"\\/"', '{"a": 1, "a": 2}', '{"b": 1, "a": 2, "b": 3}', `1${'0'.repeat(400)}`, '01', '1.', '{"a" 1}', '[1 2]'])
      expect(direct(jsonb), jsonb).toBeUndefined();
  });
});
