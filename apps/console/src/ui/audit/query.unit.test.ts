import { describe, expect, it } from 'vitest';
import { AuditFilters, auditSearch } from './query.js';

describe('AuditFilters', () => {
  it('keeps the filters a person types', () => {
    expect(AuditFilters.parse({ actor: 'user:alice', from: '2025-03-01T09:30', to: '2025-03-02T00:00:00.000Z', before: '9223372036854775807' })).toEqual({
      actor: 'user:alice',
      from: new Date('2025-03-01T09:30:00.000Z'),
      to: new Date('2025-03-02T00:00:00.000Z'),
      before: '9223372036854775807',
    });
    expect(AuditFilters.parse({ from: '0001-01-01T00:00', to: '9999-12-31T23:59' })).toEqual({
      from: new Date('0001-01-01T00:00:00.000Z'),
      to: new Date('9999-12-31T23:59:00.000Z'),
    });
  });

  it('drops a cursor past PostgreSQL bigint, as it drops any other cursor that is not one', () => {
    for (const before of ['9223372036854775808', '9999999999999999999', '-1', '1e3', '1.5', 'abc', '12345678901234567890']) {
      expect(AuditFilters.parse({ before }).before, before).toBeUndefined();
    }
  });

  it('drops a time PostgreSQL cannot hold, as it drops one that is not a time', () => {
    for (const from of ['-100000-01-01T00:00', '-004714-01-01T00:00', '0000-12-31T23:59', '+010000-01-01T00:00', '+200000-01-01T00:00', '+275760-09-13T00:00:00Z', 'yesterday']) {
      expect(AuditFilters.parse({ from, to: from }), from).toEqual({});
    }
  });

  it('drops text no PostgreSQL text can hold', () => {
    expect(AuditFilters.parse({ actor: 'user:\0alice', type: 'a\u0000', action: 'a-1' })).toEqual({ action: 'a-1' });
  });

  it('writes back only what it kept', () => {
    const filters = AuditFilters.parse({ from: '-100000-01-01T00:00', before: '9999999999999999999', agent: 'bot' });
    expect(auditSearch(filters)).toBe('?agent=bot');
  });
});
