import { describe, expect, it } from 'vitest';
import { findSensitive, redact, redactedFields, restoreRedacted } from './index.js';

// An agent chooses its arguments' keys as freely as their values: `{"dana@example.test": "refund"}` must not reach
// the database, the audit log or an approver with the address in it, nor in a finding's path.

describe('sensitive values in object keys', () => {
  it('are redacted in the copy, in place, with findings that name the field by its redacted key', () => {
    const args = { amount: '10.00', refunds: { 'dana@example.test': 'duplicate', 'pay to 4111 1111 1111 1111': { note: 'card on file' } } };
    const { value, findings } = redact(args, { root: 'args' });
    expect(value).toEqual({ amount: '10.00', refunds: { '[REDACTED:email]': 'duplicate', 'pay to [REDACTED:card]': { note: 'card on file' } } });
    expect(Object.keys(value.refunds)).toEqual(['[REDACTED:email]', 'pay to [REDACTED:card]']);
    expect(findings).toEqual([
      { path: 'args.refunds["[REDACTED:email]"]', kind: 'email', detector: expect.any(String) as string, start: 0, end: 17, key: true },
      { path: 'args.refunds["pay to [REDACTED:card]"]', kind: 'card', detector: expect.any(String) as string, start: 7, end: 26, key: true },
    ]);
    expect(JSON.stringify({ value, findings })).not.toMatch(/dana@|4111/);
    expect(args.refunds).toHaveProperty(['dana@example.test']); // the input is untouched
  });

  it('a value under a redacted key is scanned as always, and its path does not quote the key', () => {
    const findings = findSensitive({ 'dana@example.test': { phone: '+1 415 555 0100' } }, { root: 'args' });
    expect(findings.map((f) => [f.path, f.kind, f.key ?? false])).toEqual([
      ['args["[REDACTED:email]"]', 'email', true],
      ['args["[REDACTED:email]"].phone', 'phone', false],
    ]);
  });

  it('keeps keys that redact alike apart, in document order, and never takes a key the object already has', () => {
    const { value } = redact({ 'a@example.test': 1, '[REDACTED:email]': 2, 'b@example.test': 3, '[REDACTED:email] #3': 4 });
    expect(Object.entries(value)).toEqual([
      ['[REDACTED:email] #2', 1],
      ['[REDACTED:email]', 2],
      ['[REDACTED:email] #4', 3],
      ['[REDACTED:email] #3', 4],
    ]);
    expect(redact(value).value).toEqual(value);
  });

  it('is idempotent where a redacted key reads like a credential name (a token as a key)', () => {
    const once = redact({ sk_live_AAAAAAAAAAAAAAAAAAAAAAAA: 'note', api_key: 'x', 'api_key dana@example.test': 'y' });
    expect(once.value).toEqual({ '[REDACTED:secret]': 'note', api_key: '[REDACTED:secret]', 'api_key [REDACTED:email]': 'y' });
    expect(redact(once.value)).toEqual({ value: once.value, findings: [] });
  });

  it('are listed by redactedFields as fields a re-evaluation cannot know', () => {
    expect(redactedFields(redact({ refunds: { 'dana@example.test': 'x' }, note: 'ok' }).value, 'args')).toEqual(['args.refunds.[REDACTED:email]']);
  });
});

describe("restoreRedacted: an approver's edit that keeps a redacted key", () => {
  const original = { refunds: { 'dana@example.test': '10.00', 'eve@example.test': '5.00' }, reason: 'twice' };
  const shown = redact(original).value;

  it('puts the original key back, with the value the approver gave it', () => {
    const edited = { refunds: { '[REDACTED:email]': '8.00', '[REDACTED:email] #2': '5.00' }, reason: 'twice' };
    const restored = restoreRedacted(edited, shown, original, 'editedArgs');
    expect(restored.value).toEqual({ refunds: { 'dana@example.test': '8.00', 'eve@example.test': '5.00' }, reason: 'twice' });
    expect(restored.unresolved).toEqual([]);
    expect(restored.restored).toEqual(['editedArgs.refunds.[REDACTED:email]', 'editedArgs.refunds.[REDACTED:email] #2']);
  });

  it('refuses a redacted key that was not shown there (it has no original), and keeps dropped ones dropped', () => {
    const edited = { refunds: { '[REDACTED:email] #7': '1.00' }, reason: 'twice' };
    const restored = restoreRedacted(edited, shown, original, 'editedArgs');
    expect(restored.unresolved).toEqual(['editedArgs.refunds.[REDACTED:email] #7']);
    expect(JSON.stringify(restored.value)).not.toMatch(/@example/);
  });

  it('without the original (a check before sending), a kept redacted key counts as restored', () => {
    const edited = { refunds: { '[REDACTED:email]': '8.00' }, reason: 'twice' };
    expect(restoreRedacted(edited, shown, undefined, 'editedArgs')).toMatchObject({ unresolved: [], restored: ['editedArgs.refunds.[REDACTED:email]'] });
  });
});
