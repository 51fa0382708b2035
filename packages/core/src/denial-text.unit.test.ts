import { describe, expect, it } from 'vitest';
import { denialText } from './denial-text.js';

describe('denialText', () => {
  it('names the approver once: the reason is left out when it only says who denied', () => {
    expect(denialText({ reason: 'denied by alice', deniedBy: 'alice', feedback: 'ask the customer first' })).toBe('denied by alice. Feedback: ask the customer first');
    expect(denialText({ reason: 'denied by alice', deniedBy: 'alice' })).toBe('denied by alice');
  });

  it('keeps an approver’s comment and a policy’s reason', () => {
    expect(denialText({ reason: 'not on a Friday', deniedBy: 'bo', feedback: 'try Monday' })).toBe('denied by bo: not on a Friday. Feedback: try Monday');
    expect(denialText({ reason: 'refunds over 10,000 are never allowed' })).toBe('denied: refunds over 10,000 are never allowed');
  });

  it('takes another lead where the text stands alone', () => {
    expect(denialText({ reason: 'denied by carol', deniedBy: 'carol' }, 'Denied in Airlock')).toBe('Denied in Airlock by carol');
  });
});
