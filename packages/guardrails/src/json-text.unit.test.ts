import { describe, expect, it } from 'vitest';
import { redact, redactSecretsInJsonText } from './index.js';

const SECRET = '"[REDACTED:secret]"';

describe('redactSecretsInJsonText: credential-named values in a JSON text that is not parsed', () => {
  it('redacts every value under a credential-named key, whatever its kind (a nested one whole)', () => {
    const value = {
      session: { cookie: 'sid=9f8e7d', pin: 4321, authorization: 'Basic dXNlcjpw', otp: '884213', remember: true },
      api_key: { id: 'k1', parts: ['a', { b: '}' }] },
      password: null,
      rows: [{ name: 'pin', note: 'a "pin": 1 inside a string stays' }],
    };
    const text = JSON.stringify(value, null, 1);
    const redactedText = redactSecretsInJsonText(text);
    const secret = '[REDACTED:secret]';
    expect(JSON.parse(redactedText)).toEqual({
      session: { cookie: secret, pin: secret, authorization: secret, otp: secret, remember: true },
      api_key: secret,
      password: secret,
      rows: value.rows,
    });
    // As redact does for the parsed value, leaf by leaf.
    expect(JSON.stringify(redact(value).value)).not.toMatch(/9f8e7d|4321|dXNlcjpw|884213/);
    expect(redactedText).not.toMatch(/9f8e7d|4321|dXNlcjpw|884213/);
  });

  it('reads a text cut anywhere: in a key, in a secret value, inside a nested one', () => {
    expect(redactSecretsInJsonText('{"a":1,"pin":"12')).toBe(`{"a":1,"pin":${SECRET}`);
    expect(redactSecretsInJsonText('{"token":{"x":["y",')).toBe(`{"token":${SECRET}`);
    expect(redactSecretsInJsonText('{"ok":"fine","pas')).toBe('{"ok":"fine","pas');
    expect(redactSecretsInJsonText('{"cookie": ')).toBe('{"cookie": ');
  });

  it('leaves ordinary keys, escaped quotes and already redacted values as they are', () => {
    const text = '{"max_tokens":100,"say":"he said \\"token\\": 5","secret":"[REDACTED:secret]"}';
    expect(redactSecretsInJsonText(text)).toBe(text);
  });
});
