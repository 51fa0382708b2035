import { describe, expect, it } from 'vitest';
import { denialText } from './denial.js';

describe('denialText', () => {
  it('names the approver once when the reason is only "denied by <id>"', () => {
    expect(denialText({ reason: 'denied by carol', deniedBy: 'carol', feedback: 'open a pull request instead' })).toBe(
      'Denied in Airlock by carol. Feedback: open a pull request instead',
    );
    expect(denialText({ reason: 'denied by admin', deniedBy: 'admin' })).toBe('Denied in Airlock by admin');
  });

  it('gives the approver’s comment after their name', () => {
    expect(denialText({ reason: 'not on a Friday', deniedBy: 'bo', feedback: 'try Monday' })).toBe('Denied in Airlock by bo: not on a Friday. Feedback: try Monday');
  });

  it('gives the policy’s reason, and a reason with nobody named as it is', () => {
    expect(denialText({ reason: 'tool fs.move_file is not allowed for agent coder', deniedBy: 'policy' })).toBe(
      'Denied in Airlock by policy: tool fs.move_file is not allowed for agent coder',
    );
    expect(denialText({ reason: 'denied by someone' })).toBe('Denied in Airlock: denied by someone');
  });
});
