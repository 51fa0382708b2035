import { redact } from '@airlock/guardrails';
import { describe, expect, it } from 'vitest';

// PII spelled to dodge the redactor but read as PII by anyone looking at the stored arguments:
// zero-width or bidi characters inside it, or full-width digits. Each was stored as sent.

const stored = (text: string) => redact({ note: text }, { root: 'args' });

describe('redaction of PII with hidden or full-width characters', () => {
  it.each([
    ['a card number with zero-width spaces', 'card 4111\u200B1111\u200B1111\u200B1111 ok', 'card', 'card [REDACTED:card] ok'],
    ['a card number with a soft hyphen and a word joiner', 'card 4111\u00AD1111\u20601111\u00AD1111', 'card', 'card [REDACTED:card]'],
    ['a card number in full-width digits', 'card ４１１１１１１１１１１１１１１１', 'card', 'card [REDACTED:card]'],
    ['an SSN with a zero-width space', 'ssn 123\u200B-45-6789.', 'national_id', 'ssn [REDACTED:national_id].'],
    ['an e-mail address with a zero-width joiner', 'mail bob\u200D@example.com', 'email', 'mail [REDACTED:email]'],
    ['an e-mail address with a right-to-left override', 'mail bob@exa\u202Emple.com', 'email', 'mail [REDACTED:email]'],
    ['an e-mail address with tag characters', 'mail bob@\u{E0041}example.com', 'email', 'mail [REDACTED:email]'],
  ])('redacts %s', (_name, text, kind, expected) => {
    const result = stored(text);
    expect(result.value).toEqual({ note: expected });
    expect(result.findings.map((f) => f.kind)).toEqual([kind]);
    // Idempotent, as redaction is for any text.
    expect(redact(result.value, { root: 'args' }).value).toEqual(result.value);
  });

  it('leaves text without PII as it is, hidden characters and all', () => {
    expect(stored('refund order\u200B 881 ＡＢＣ').value).toEqual({ note: 'refund order\u200B 881 ＡＢＣ' });
  });
});
