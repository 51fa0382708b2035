import { consumeRateLimit, type Db } from '@airlock/db';
import { describe, expect, it } from 'vitest';
import { useGovernanceDatabase } from './database.js';

// An action of several events (a plan: one per step a limit applies to) is counted all or none.

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

const at = new Date('2026-06-01T12:00:00Z');
const call = (actionId: string, events?: number) => consumeRateLimit(db, { key: 'limit:agent=a-1', limit: 5, windowMs: 60_000, actionId, at, ...(events ? { events } : {}) });

describe('an action of several rate-limit events', () => {
  it('takes all its events when they fit, and a retry takes none again', async () => {
    expect(await call('single')).toEqual({ allowed: true, count: 1 });
    expect(await call('plan', 3)).toEqual({ allowed: true, count: 4 });
    expect(await call('plan', 3)).toEqual({ allowed: true, count: 4 });
    expect(await db.prisma.rateEvent.findMany({ select: { actionId: true }, orderBy: { id: 'asc' } })).toEqual([
      { actionId: 'single' },
      { actionId: 'plan' },
      { actionId: 'plan#2' },
      { actionId: 'plan#3' },
    ]);
  });

  it('takes none when they do not all fit', async () => {
    await call('plan-1', 3);
    expect(await call('plan-2', 3)).toEqual({ allowed: false, count: 3 });
    expect(await call('single')).toEqual({ allowed: true, count: 4 });
    expect(await call('plan-3', 6)).toEqual({ allowed: false, count: 4 });
    expect(await db.prisma.rateEvent.count()).toBe(4);
  });
});
