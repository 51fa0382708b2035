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

describe('restoreRedacted: kept markers in a list the approver changed', () => {
  const original = {
    recipients: [
      { name: 'Ann', email: 'ann@example.test' },
      { name: 'Bob', email: 'bob@example.test' },
      { name: 'Cy', email: 'cy@example.test' },
    ],
    cards: ['4111 1111 1111 1111', '5555 5555 5555 4444'],
  };
  const shown = redact(original).value;
  const restore = (edited: unknown) => restoreRedacted(edited, shown, original, 'editedArgs');
  const recipients = (value: unknown) => (value as typeof original).recipients;

  it('an item deleted: the items left keep their own values, never a neighbour’s', () => {
    const restored = restore({ ...shown, recipients: [shown.recipients[1], shown.recipients[2]] });
    expect(recipients(restored.value)).toEqual([original.recipients[1], original.recipients[2]]);
    expect(restored.unresolved).toEqual([]);
  });

  it('items reordered: each keeps its own value', () => {
    const restored = restore({ ...shown, recipients: [shown.recipients[2], shown.recipients[0], shown.recipients[1]] });
    expect(recipients(restored.value)).toEqual([original.recipients[2], original.recipients[0], original.recipients[1]]);
    expect(restored.unresolved).toEqual([]);
  });

  it('a field edited beside a kept marker, the list otherwise as shown: that item keeps its value', () => {
    const edited = { ...shown, recipients: [shown.recipients[0], { name: 'Robert', email: '[REDACTED:email]' }, shown.recipients[2]] };
    const restored = restore(edited);
    expect(recipients(restored.value)[1]).toEqual({ name: 'Robert', email: 'bob@example.test' });
    expect(restored.unresolved).toEqual([]);
  });

  it('an item appended after the shown ones: those keep their values, a marker in the new one is refused', () => {
    const edited = { ...shown, cards: [...shown.cards, '[REDACTED:card]'] };
    const restored = restore(edited);
    expect((restored.value as typeof original).cards.slice(0, 2)).toEqual(original.cards);
    expect(restored.unresolved).toEqual(['editedArgs.cards.2']);
  });

  it('refuses a kept marker whose item could be either of two shown ones, rather than guess', () => {
    // Two cards shown alike, one deleted: which one is gone cannot be known.
    expect(restore({ ...shown, cards: ['[REDACTED:card]'] }).unresolved).toEqual(['editedArgs.cards.0']);
    // Ann's entry renamed to Bob (keeping Ann's address), or Bob's copied over it (his)? Not guessed.
    const copied = restore({ ...shown, recipients: [{ name: 'Bob', email: '[REDACTED:email]' }, shown.recipients[1], shown.recipients[2]] });
    expect(copied.unresolved).toEqual(['editedArgs.recipients.0.email']);
  });

  it('refuses a marker in an item both moved and changed', () => {
    const edited = { ...shown, recipients: [{ name: 'Robert', email: '[REDACTED:email]' }, shown.recipients[0]] };
    const restored = restore(edited);
    expect(restored.unresolved).toEqual(['editedArgs.recipients.0.email']);
    expect(recipients(restored.value)[1]).toEqual(original.recipients[0]);
  });

  it('without the originals (a check before sending), refuses the same edits', () => {
    expect(restoreRedacted({ ...shown, cards: ['[REDACTED:card]'] }, shown, undefined, 'editedArgs').unresolved).toEqual(['editedArgs.cards.0']);
    expect(restoreRedacted({ ...shown, recipients: [shown.recipients[1]] }, shown, undefined, 'editedArgs').unresolved).toEqual([]);
  });
});
