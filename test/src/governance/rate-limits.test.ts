import { consumeRateLimit, type Db } from '@airlock/db';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { useGovernanceDatabase } from './database.js';

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

const start = new Date('2026-06-01T12:00:00Z').getTime();
const limit = { key: 'agent:billing-bot:payments.refund', limit: 5, windowMs: 60_000 };
const call = (actionId: string, offsetMs: number, key = limit.key) => consumeRateLimit(db, { ...limit, key, actionId, at: new Date(start + offsetMs) });

describe('sliding-window rate limits', () => {
  it('allows exactly the limit among concurrent requests', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call(`a-${i}`, i)));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    expect(
      results
        .filter((r) => r.allowed)
        .map((r) => r.count)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
    expect(results.filter((r) => !r.allowed).every((r) => r.count === 5)).toBe(true);
    expect(await db.prisma.rateEvent.count()).toBe(5);
  });

  it('keeps a retried allowed action allowed without counting it again, even once the window is full', async () => {
    const first = await call('a-0', 0);
    expect(first).toEqual({ allowed: true, count: 1 });
    for (let i = 1; i < 5; i++) await call(`a-${i}`, i * 1000);
    expect(await call('a-5', 5000)).toEqual({ allowed: false, count: 5 });
    expect(await Promise.all([call('a-0', 6000), call('a-0', 6000)])).toEqual([
      { allowed: true, count: 5 },
      { allowed: true, count: 5 },
    ]);
    // A refused action is not remembered: it is judged afresh on retry.
    expect(await call('a-5', 7000)).toEqual({ allowed: false, count: 5 });
    expect(await db.prisma.rateEvent.count()).toBe(5);
  });

  it('stops counting events once they leave the window', async () => {
    for (let i = 0; i < 5; i++) await call(`a-${i}`, i * 10_000);
    expect(await call('late', 59_999)).toEqual({ allowed: false, count: 5 });
    // At 60 s the event from 0 s is exactly one window old: out (the window is (at - 60 s, at]).
    expect(await call('late', 60_000)).toEqual({ allowed: true, count: 5 });
    expect(await call('later', 60_001)).toEqual({ allowed: false, count: 5 });
    expect(await call('much-later', 200_000)).toEqual({ allowed: true, count: 1 });
  });

  it('counts keys separately and prunes events two windows old', async () => {
    for (let i = 0; i < 5; i++) await call(`a-${i}`, 0);
    expect(await call('b-0', 0, 'agent:other-bot:payments.refund')).toEqual({ allowed: true, count: 1 });
    await call('z', 120_001);
    expect(await db.prisma.rateEvent.count({ where: { key: limit.key } })).toBe(1);
    expect(await db.prisma.rateEvent.count({ where: { key: 'agent:other-bot:payments.refund' } })).toBe(1);
  });

  it('validates its input', async () => {
    await expect(consumeRateLimit(db, { ...limit, actionId: 'a', windowMs: 0, at: new Date() })).rejects.toBeInstanceOf(ZodError);
    await expect(consumeRateLimit(db, { ...limit, actionId: 'a', limit: 1.5, at: new Date() })).rejects.toBeInstanceOf(ZodError);
    await expect(consumeRateLimit(db, { ...limit, key: '', actionId: 'a', at: new Date() })).rejects.toBeInstanceOf(ZodError);
  });
});
