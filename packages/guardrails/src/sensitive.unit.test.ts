import { findSensitive, findSensitiveText, isSecretKey, redact, redactText, type SensitiveKind } from '@airlock/guardrails';
import { describe, expect, it } from 'vitest';

/** Hang detector for the adversarial-input test (minutes of backtracking fail it; milliseconds of scanning pass). */
const ADVERSARIAL_TIMEOUT_MS = 120_000;

const kindsIn = (text: string): SensitiveKind[] => findSensitiveText(text).map((f) => f.kind);
const redacted = (text: string) => redactText(text).text;

describe('findSensitive: each kind, found and left alone', () => {
  it.each<[SensitiveKind, string, string]>([
    ['email', 'write to jane.doe+billing@example.co.uk today', 'write to [REDACTED:email] today'],
    ['email', 'see...bob@example.com', 'see...[REDACTED:email]'],
    ['phone', 'call +14155552671', 'call [REDACTED:phone]'],
    ['phone', 'call +44 20 7946 0958.', 'call [REDACTED:phone].'],
    ['phone', 'call +1 (415) 555-2671', 'call [REDACTED:phone]'],
    ['phone', 'call (415) 555-2671 or 415.555.2671', 'call [REDACTED:phone] or [REDACTED:phone]'],
    ['phone', 'UK office 020 7946 0958, mobile 07700 900123', 'UK office [REDACTED:phone], mobile [REDACTED:phone]'],
    ['phone', 'Paris 01 23 45 67 89', 'Paris [REDACTED:phone]'],
    ['card', 'card 4111 1111 1111 1111 exp 12/29', 'card [REDACTED:card] exp 12/29'],
    ['card', 'card 5500-0000-0000-0004', 'card [REDACTED:card]'],
    ['card', 'amex 378282246310005.', 'amex [REDACTED:card].'],
    ['card', 'ref 12 4111 1111 1111 1111', 'ref 12 [REDACTED:card]'],
    ['national_id', 'SSN 078-05-1120', 'SSN [REDACTED:national_id]'],
    ['national_id', 'SSN 219 09 9999', 'SSN [REDACTED:national_id]'],
    ['national_id', 'NINO AB 12 34 56 C and AB123456D', 'NINO [REDACTED:national_id] and [REDACTED:national_id]'],
    ['national_id', 'IBAN GB82 WEST 1234 5698 7654 32, thanks', 'IBAN [REDACTED:national_id], thanks'],
    ['national_id', 'IBAN DE89370400440532013000', 'IBAN [REDACTED:national_id]'],
    ['secret', 'key AKIAIOSFODNN7EXAMPLE', 'key [REDACTED:secret]'],
    ['secret', `token ghp_${'a1B2'.repeat(9)}`, 'token [REDACTED:secret]'],
    ['secret', `github_pat_${'A'.repeat(22)}_${'b'.repeat(59)}`, '[REDACTED:secret]'],
    ['secret', 'slack xoxb-1234567890-abcdefghijklmnop', 'slack [REDACTED:secret]'],
    ['secret', `stripe sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`, 'stripe [REDACTED:secret]'],
    ['secret', `airlock alk_${'Zm9vYmFy_-'.repeat(4)}`, 'airlock [REDACTED:secret]'],
    ['secret', 'jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'jwt [REDACTED:secret]'],
    ['secret', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----\nok', '[REDACTED:secret]\nok'],
    ['secret', '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg', '[REDACTED:secret]'],
    ['secret', 'Authorization: Bearer abc123.def456-ghi', 'Authorization: Bearer [REDACTED:secret]'],
    ['secret', 'DB_PASSWORD=hunter2 next', 'DB_PASSWORD=[REDACTED:secret] next'],
    ['secret', '{"api_key": "k-123", "ok": 1}', '{"api_key": "[REDACTED:secret]", "ok": 1}'],
    ['secret', "client_secret: 's3cr3t value'", "client_secret: '[REDACTED:secret]'"],
    ['secret', 'secret: abc-123', 'secret: [REDACTED:secret]'],
    ['secret', 'https://api.example/v1?token=abc123&page=2', 'https://api.example/v1?token=[REDACTED:secret]&page=2'],
  ])('%s in %j', (kind, text, expected) => {
    expect(kindsIn(text)).toContain(kind);
    expect(redacted(text)).toBe(expected);
  });

  it.each([
    ['amounts', 'Refund $1,234.56 of 12,345,678.90 EUR and 1.234.567,89'],
    ['dates and times', 'Due 2024-01-15, paid 15/01/2024 at 10:30, 05.06.2024'],
    ['ids', 'order 1234567890, invoice INV-2024-000123, account 00123456789, ticket #4411'],
    ['uuids', 'action 2f6c1a9e-7d3b-4b8e-9f21-6c0d5e4a3b2c'],
    ['IP addresses and versions', 'host 192.168.100.200, version 10.2.3'],
    ['Luhn-invalid card numbers', 'card 4111 1111 1111 1112, 4111111111111112'],
    ['all-zero numbers', 'padding 0000 0000 0000 0000'],
    ['invalid SSNs', '000-12-3456 666-12-3456 912-34-5678 123-00-4567 123-45-0000'],
    ['SSN-like dates and ids', '2024-01-1234 and A123-45-6789'],
    ['never-issued NINO prefixes', 'GB 12 34 56 A, QQ123456C, DA123456A'],
    ['IBANs failing mod 97', 'GB82 WEST 1234 5698 7654 33'],
    ['prose about passwords', 'Password: forgotten. Please reset your password. The secret: patience.'],
    ['prose about bearers', 'Bearer instruments; the bearer of this note'],
    ['token counts', 'max_tokens=512, token_count: 42, tokens used 1000'],
    ['a base64 blob that is not a JWT', 'aGVsbG8gd29ybGQgaGVsbG8.d29ybGQ.x'],
    ['the email-like part of a URL path', 'https://example.com/@handle'],
  ])('ignores %s', (_label, text) => {
    expect(findSensitiveText(text)).toEqual([]);
  });
});

describe('findSensitive over values', () => {
  it('reports path, kind, detector and offsets, never the value', () => {
    const args = { customer: { email: 'a@example.com' }, items: [{ memo: 'ok' }, { memo: 'card 4111111111111111' }], 'first name': 'Jane' };
    expect(findSensitive(args, { root: 'args' })).toEqual([
      { path: 'args.customer.email', kind: 'email', detector: 'email', start: 0, end: 13 },
      { path: 'args.items[1].memo', kind: 'card', detector: 'payment_card', start: 5, end: 21 },
    ]);
    expect(findSensitive('x@example.com')).toEqual([{ path: '$', kind: 'email', detector: 'email', start: 0, end: 13 }]);
    expect(JSON.stringify(findSensitive(args))).not.toContain('4111');
  });

  it('redacts the whole value under credential-named keys', () => {
    const input = {
      password: 'correct horse',
      apiKey: 'k',
      API_KEY: 12345,
      'X-Api-Key': 'k2',
      authorization: 'Basic dXNlcjpwYXNz',
      headers: { Authorization: 'anything' },
      refresh_token: { value: 'r1', parts: ['a', 'b'] },
      max_tokens: 512,
      token_count: 3,
      secretary: 'Jane',
      empty_password: '',
    };
    const { value, findings } = redact(input);
    expect(value).toEqual({
      password: '[REDACTED:secret]',
      apiKey: '[REDACTED:secret]',
      API_KEY: '[REDACTED:secret]',
      'X-Api-Key': '[REDACTED:secret]',
      authorization: '[REDACTED:secret]',
      headers: { Authorization: '[REDACTED:secret]' },
      refresh_token: { value: '[REDACTED:secret]', parts: ['[REDACTED:secret]', '[REDACTED:secret]'] },
      max_tokens: 512,
      token_count: 3,
      secretary: 'Jane',
      empty_password: '',
    });
    expect(findings.every((f) => f.kind === 'secret' && f.detector === 'secret_key_name')).toBe(true);
    expect(findings.map((f) => f.path)).toContain('$.refresh_token.parts[1]');
    expect(input.password).toBe('correct horse');
  });

  it('redacts card numbers sent as JSON numbers, and bare phone numbers under phone-named keys', () => {
    const input = {
      card: 4111111111111111,
      amex: 378282246310005,
      negated: -4111111111111111,
      asBigInt: 4111111111111111n,
      phone: 14155550100,
      customer_mobile: 4155550100,
      phoneNumbers: [14155550100, '14155550100', '+14155550100'],
      contact: { phone: '+44 20 7946 0958 ext 12', fax: 4155550199 },
    };
    const { value, findings } = redact(input, { root: 'args' });
    expect(value).toEqual({
      card: '[REDACTED:card]',
      amex: '[REDACTED:card]',
      negated: '[REDACTED:card]',
      asBigInt: '[REDACTED:card]',
      phone: '[REDACTED:phone]',
      customer_mobile: '[REDACTED:phone]',
      phoneNumbers: ['[REDACTED:phone]', '[REDACTED:phone]', '[REDACTED:phone]'],
      contact: { phone: '[REDACTED:phone] ext 12', fax: '[REDACTED:phone]' },
    });
    expect(findings.slice(0, 5)).toEqual([
      { path: 'args.card', kind: 'card', detector: 'payment_card', start: 0, end: 16 },
      { path: 'args.amex', kind: 'card', detector: 'payment_card', start: 0, end: 15 },
      { path: 'args.negated', kind: 'card', detector: 'payment_card', start: 1, end: 17 },
      { path: 'args.asBigInt', kind: 'card', detector: 'payment_card', start: 0, end: 16 },
      { path: 'args.phone', kind: 'phone', detector: 'phone_key_name', start: 0, end: 11 },
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/4111|5550100/);
    expect(redact(value).findings).toEqual([]);
  });

  it('leaves numbers that are no card or phone as numbers: amounts, epoch times, ids, Luhn-invalid, fractions', () => {
    const input = {
      amountCents: 1250000,
      total: 4111111111.5,
      createdAt: 1764748800000,
      createdAtMicros: 1764748800000000,
      id: 1234567890128,
      snowflake: 1234567890123456789n,
      notACard: 4111111111111112,
      orderNumber: 14155550100,
      phoneCount: 14155550100,
      phone: { ext: 12, country: 44, verifiedAt: 1764748800 },
      phones: [12345],
    };
    expect(redact(input)).toEqual({ value: input, findings: [] });
  });

  it.each([
    ['password', true],
    ['db_password', true],
    ['clientSecret', true],
    ['x-api-key', true],
    ['Authorization', true],
    ['accessToken', true],
    ['private_key', true],
    ['max_tokens', false],
    ['tokenizer', false],
    ['secretary', false],
    ['password_hint', false],
  ])('isSecretKey(%j) = %s', (key, expected) => {
    expect(isSecretKey(key)).toBe(expected);
  });

  it('copies rather than mutates, keeps shared and cyclic references, leaves class instances alone', () => {
    const shared = { email: 'a@example.com' };
    const when = new Date(0);
    const input: Record<string, unknown> = { a: shared, b: shared, when, list: [1, 'x'] };
    input.self = input;
    const { value, findings } = redact(input);
    expect(value).not.toBe(input);
    expect(value.a).toEqual({ email: '[REDACTED:email]' });
    expect(value.b).toBe(value.a);
    expect(value.self).toBe(value);
    expect(value.when).toBe(when);
    expect(shared.email).toBe('a@example.com');
    expect(findings).toHaveLength(1);
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const input = JSON.parse('{"__proto__": {"note": "a@example.com"}}') as Record<string, unknown>;
    const { value } = redact(input);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"note":"[REDACTED:email]"}}');
  });

  it('merges overlapping detections so no part of a value is left behind', () => {
    const { text, findings } = redactText('password="4111 1111 1111 1111"');
    expect(text).toBe('password="[REDACTED:secret]"');
    expect(findings).toEqual([{ kind: 'secret', detector: 'secret_assignment', start: 10, end: 29 }]);
  });

  // Catastrophic backtracking on 100-200k characters takes minutes (quadratic: ~10^10 steps) or
  // forever (exponential); linear scans take milliseconds. The test timeout is the hang detector,
  // so the test does not depend on how fast or busy the machine is.
  it('scans long adversarial input without catastrophic backtracking', { timeout: ADVERSARIAL_TIMEOUT_MS }, () => {
    for (const text of [
      'a'.repeat(200_000),
      'a_'.repeat(100_000),
      'a.'.repeat(100_000),
      '@a.'.repeat(60_000),
      'x@'.repeat(100_000),
      '1 '.repeat(100_000),
      '+1 '.repeat(60_000),
      'GB82'.repeat(50_000),
      `-----BEGIN PRIVATE KEY-----${' '.repeat(100_000)}`,
      'password'.repeat(25_000),
      '1\u00A0'.repeat(100_000),
      '4111\u200E'.repeat(50_000),
      '\u3000'.repeat(200_000),
    ]) {
      expect(Array.isArray(findSensitiveText(text))).toBe(true);
    }
  });
});
