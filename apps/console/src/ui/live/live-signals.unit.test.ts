import { describe, expect, it } from 'vitest';
import { showsSomethingNew } from './live-signals.js';

describe('showsSomethingNew (when a live page refreshes)', () => {
  const rows = [
    { seq: '9', actionId: 'act-1' },
    { seq: '11', actionId: 'act-1' },
    { seq: '12', actionId: 'act-2' },
  ];

  it('ignores rows the page already shows, however late the feed signals them', () => {
    expect(showsSomethingNew(rows, 'act-1', '11')).toBe(false);
    expect(showsSomethingNew(rows, 'act-1', '10')).toBe(true);
  });

  it("ignores other actions' rows on an action's page, and takes any new row elsewhere", () => {
    expect(showsSomethingNew([{ seq: '12', actionId: 'act-2' }], 'act-1', '11')).toBe(false);
    expect(showsSomethingNew(rows, undefined, '11')).toBe(true);
    expect(showsSomethingNew(rows, undefined, '12')).toBe(false);
  });

  it('refreshes for any row of the action when the page said nothing of what it shows', () => {
    expect(showsSomethingNew(rows, 'act-1', undefined)).toBe(true);
  });

  it('compares sequence numbers as numbers, past 2^53', () => {
    expect(showsSomethingNew([{ seq: '9007199254740993', actionId: 'act-1' }], 'act-1', '9007199254740992')).toBe(true);
    expect(showsSomethingNew([{ seq: '100', actionId: 'act-1' }], 'act-1', '99')).toBe(true);
  });
});
