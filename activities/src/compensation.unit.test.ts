import { describe, expect, it } from 'vitest';
import { createCompensationActivities } from './compensation.js';
import type { ActivityDeps } from './deps.js';

// Any database call fails the test: a resolution that can never be stored is answered before the first read.
const unreachable = () => {
  throw new Error('the database was reached');
};
const deps = { db: { prisma: { user: { findUnique: unreachable } } }, tools: new Map() } as unknown as ActivityDeps;

describe('recordCompensationResolution', () => {
  it('refuses a comment PostgreSQL cannot store or canonical JSON cannot hash, naming the field, instead of failing its write on every retry', async () => {
    const activities = createCompensationActivities(deps);
    const record = (comment: string) =>
      activities.recordCompensationResolution({ actionId: 'act-1', resolution: { approverId: 'bob', step: 0, resolution: 'resolved_manually', comment }, sequence: 1 });
    expect(await record('fixed\u0000by hand')).toEqual({ ok: false, reason: 'comment: must not contain NUL characters' });
    expect(await record('half \ud800')).toEqual({ ok: false, reason: expect.stringMatching(/^comment: must be Unicode text/) });
  });
});
