import { describe, expect, it } from 'vitest';
import { redact, restoreRedacted } from './index.js';

describe('restoreRedacted: an approver’s edit of the redacted arguments', () => {
  const original = { amount: '125.00', reason: 'charged twice, customer dana@example.test', contact: { email: 'dana@example.test' }, cards: ['4111 1111 1111 1111'] };
  const shown = redact(original).value;

  it('puts back the values behind markers kept exactly as shown, anywhere in the arguments', () => {
    expect(shown).toMatchObject({ reason: 'charged twice, customer [REDACTED:email]', contact: { email: '[REDACTED:email]' } });
    const restored = restoreRedacted({ ...shown, amount: '60.00' }, shown, original, 'editedArgs');
    expect(restored.value).toEqual({ ...original, amount: '60.00' });
    expect(restored.unresolved).toEqual([]);
    expect(restored.restored).toEqual(['editedArgs.reason', 'editedArgs.contact.email', 'editedArgs.cards.0']);
  });

  it('lists a changed string that still holds a marker, and hands it on unchanged rather than guess', () => {
    const edited = { ...shown, reason: 'refund to [REDACTED:email] today' };
    const restored = restoreRedacted(edited, shown, original, 'editedArgs');
    expect(restored.unresolved).toEqual(['editedArgs.reason']);
    expect((restored.value as typeof original).contact.email).toBe('dana@example.test');
  });

  it('leaves retyped values and new fields alone, and a marker moved to another field is not the value behind it', () => {
    const edited = { amount: '60.00', reason: 'damaged', note: '[REDACTED:email]', contact: { email: 'ops@example.test' }, cards: [] };
    const restored = restoreRedacted(edited, shown, original, 'editedArgs');
    expect(restored.value).toEqual({ amount: '60.00', reason: 'damaged', note: '[REDACTED:email]', contact: { email: 'ops@example.test' }, cards: [] });
    expect(restored.unresolved).toEqual(['editedArgs.note']);
  });
});
