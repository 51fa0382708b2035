import { redact } from '@airlock/guardrails';
import { describe, expect, it } from 'vitest';

// PII spelled to dodge the redactor but read as PII by anyone looking at the stored arguments:
// zero-width or bidi characters inside it, full-width digits, or digit groups set off by no-break,
// thin or ideographic spaces or by dashes. Each was stored as sent.

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
    ['a card number with left-to-right marks', 'card 4111\u200E1111\u200E1111\u200E1111', 'card', 'card [REDACTED:card]'],
    ['an e-mail address with a left-to-right mark', 'mail dana\u200E@example.test', 'email', 'mail [REDACTED:email]'],
    ['an e-mail address with a right-to-left mark', 'mail dana@exam\u200Fple.test', 'email', 'mail [REDACTED:email]'],
    ['an SSN with an Arabic letter mark', 'ssn 123-45\u061C-6789', 'national_id', 'ssn [REDACTED:national_id]'],
    ['a card number with variation selectors', 'card 4111\uFE0F1111\uFE0F1111\uFE0F1111', 'card', 'card [REDACTED:card]'],
    ['a card number with Hangul fillers', 'card 4111\u31641111\u31641111\u31641111', 'card', 'card [REDACTED:card]'],
    ['a card number in groups with no-break spaces', 'card 4111\u00A01111\u00A01111\u00A01111', 'card', 'card [REDACTED:card]'],
    ['a card number in groups with narrow no-break spaces', 'card 4111\u202F1111\u202F1111\u202F1111', 'card', 'card [REDACTED:card]'],
    ['a card number in groups with thin spaces', 'card 4111\u20091111\u20091111\u20091111', 'card', 'card [REDACTED:card]'],
    ['a card number in groups with figure spaces', 'card 4111\u20071111\u20071111\u20071111', 'card', 'card [REDACTED:card]'],
    ['a card number in full-width digits and ideographic spaces', 'card ４１１１\u3000１１１１\u3000１１１１\u3000１１１１', 'card', 'card [REDACTED:card]'],
    ['a card number in groups with en dashes', 'card 4111\u20131111\u20131111\u20131111', 'card', 'card [REDACTED:card]'],
    ['a phone number with narrow no-break spaces', 'tel +33\u202F6\u202F12\u202F34\u202F56\u202F78', 'phone', 'tel [REDACTED:phone]'],
    ['a phone number with no-break spaces', 'tel 415\u00A0555\u00A02671', 'phone', 'tel [REDACTED:phone]'],
    ['a phone number with figure dashes', 'tel 415\u2012555\u20122671', 'phone', 'tel [REDACTED:phone]'],
    ['an SSN with no-break spaces', 'ssn 123\u00A045\u00A06789', 'national_id', 'ssn [REDACTED:national_id]'],
    ['an SSN with thin spaces', 'ssn 123\u200945\u20096789', 'national_id', 'ssn [REDACTED:national_id]'],
  ])('redacts %s', (_name, text, kind, expected) => {
    const result = stored(text);
    expect(result.value).toEqual({ note: expected });
    expect(result.findings.map((f) => f.kind)).toEqual([kind]);
    // Idempotent, as redaction is for any text.
    expect(redact(result.value, { root: 'args' }).value).toEqual(result.value);
  });

  it('leaves text without PII as it is, hidden characters and all', () => {
    expect(stored('refund order\u200B 881 ＡＢＣ').value).toEqual({ note: 'refund order\u200B 881 ＡＢＣ' });
    expect(stored('refund\u200E 12\u00A0345,67\u202F€ for 2024\u20132025').value).toEqual({ note: 'refund\u200E 12\u00A0345,67\u202F€ for 2024\u20132025' });
  });

  it('leaves numbers with those spaces alone where the same numbers with plain spaces are no PII', () => {
    for (const text of ['total 1\u202F234\u202F567\u202F890\u202F123', 'ids 4111\u00A01111\u00A01111\u00A01112']) {
      expect(stored(text).value).toEqual({ note: text });
      expect(stored(text.replace(/[\u00A0\u202F]/g, ' ')).value).toEqual({ note: text.replace(/[\u00A0\u202F]/g, ' ') });
    }
  });
});
