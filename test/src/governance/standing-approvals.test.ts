import { activeGrantsFor, consumeStandingApproval, type Db, grantStandingApproval, listStandingApprovals, revokeStandingApproval } from '@airlock/db';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { useGovernanceDatabase } from './database.js';

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

const now = Date.now();
const hours = (h: number) => new Date(now + h * 3_600_000);
const grant = (overrides: Partial<Parameters<typeof grantStandingApproval>[1]> = {}) =>
  grantStandingApproval(db, {
    agentId: 'billing-bot',
    tool: 'payments.refund',
    condition: 'double(args.amount) <= 50.0',
    reason: 'routine small refunds this week',
    grantedBy: 'user:alice',
    validFrom: hours(-1),
    validUntil: hours(24),
    maxUses: 3,
    ...overrides,
  });

describe('standing approvals', () => {
  it('stores the grant as given and validates it', async () => {
    const created = await grant({ condition: '  args.currency == "USD"  ' });
    expect(created).toMatchObject({ condition: '  args.currency == "USD"  ', uses: 0, maxUses: 3, revokedAt: null, grantedBy: 'user:alice' });
    await expect(grant({ condition: '   ' })).rejects.toBeInstanceOf(ZodError);
    await expect(grant({ maxUses: 0 })).rejects.toBeInstanceOf(ZodError);
    await expect(grant({ validUntil: hours(-2) })).rejects.toBeInstanceOf(ZodError);
    await expect(grant({ validFrom: undefined, validUntil: hours(-0.5) })).rejects.toBeInstanceOf(ZodError);
  });

  it('covers only its agent and tool, inside its time window', async () => {
    const mine = await grant();
    await grant({ agentId: 'other-bot' });
    const otherTool = await grant({ tool: 'payments.charge' });
    const future = await grant({ validFrom: hours(48), validUntil: hours(72) });
    expect((await activeGrantsFor(db, { agentId: 'billing-bot', tool: 'payments.refund', at: hours(0) })).map((g) => g.id)).toEqual([mine.id]);
    expect((await activeGrantsFor(db, { agentId: 'billing-bot', tool: 'payments.refund', at: hours(48) })).map((g) => g.id)).toEqual([future.id]);
    // valid_until is exclusive; valid_from inclusive.
    expect(await activeGrantsFor(db, { agentId: 'billing-bot', tool: 'payments.refund', at: hours(24) })).toEqual([]);
    expect((await activeGrantsFor(db, { agentId: 'billing-bot', tool: 'payments.refund', at: hours(-1) })).map((g) => g.id)).toEqual([mine.id]);
    expect(await consumeStandingApproval(db, { grantId: mine.id, actionId: 'late', at: hours(25) })).toBe(false);
    expect(await consumeStandingApproval(db, { grantId: future.id, actionId: 'early', at: hours(0) })).toBe(false);

    expect(await listStandingApprovals(db, { agentId: 'billing-bot' })).toHaveLength(3);
    const activeNow = await listStandingApprovals(db, { agentId: 'billing-bot', activeAt: hours(0) });
    expect(activeNow.map((g) => g.id).sort()).toEqual([mine.id, otherTool.id].sort());
    expect(await listStandingApprovals(db, { activeAt: hours(0) })).toHaveLength(3);
  });

  it('grants exactly maxUses among concurrent consumers', async () => {
    const g = await grant({ maxUses: 3 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => consumeStandingApproval(db, { grantId: g.id, actionId: `a-${i}`, at: hours(0) })));
    expect(results.filter(Boolean)).toHaveLength(3);
    expect(await db.prisma.standingApproval.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({ uses: 3 });
    expect(await db.prisma.standingApprovalUse.count({ where: { grantId: g.id } })).toBe(3);
    expect(await activeGrantsFor(db, { agentId: 'billing-bot', tool: 'payments.refund', at: hours(0) })).toEqual([]);
  });

  it('is idempotent per action: a retry answers true without spending another use, even for the last use', async () => {
    const g = await grant({ maxUses: 2 });
    expect(await consumeStandingApproval(db, { grantId: g.id, actionId: 'a-1', at: hours(0) })).toBe(true);
    expect(await Promise.all([1, 2, 3].map(() => consumeStandingApproval(db, { grantId: g.id, actionId: 'a-1', at: hours(0) })))).toEqual([true, true, true]);
    expect(await consumeStandingApproval(db, { grantId: g.id, actionId: 'a-2', at: hours(0) })).toBe(true);
    expect(await consumeStandingApproval(db, { grantId: g.id, actionId: 'a-2', at: hours(1) })).toBe(true);
    expect(await consumeStandingApproval(db, { grantId: g.id, actionId: 'a-3', at: hours(0) })).toBe(false);
    expect(await db.prisma.standingApproval.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({ uses: 2 });
    expect(await consumeStandingApproval(db, { grantId: 'no-such-grant', actionId: 'a-4', at: hours(0) })).toBe(false);
  });

  it('stops working the moment it is revoked, and revoking twice is harmless', async () => {
    const g = await grant();
    expect(await consumeStandingApproval(db, { grantId: g.id, actionId: 'a-1', at: hours(0) })).toBe(true);
    expect(await revokeStandingApproval(db, { id: g.id, revokedBy: 'user:bob' })).toBe(true);
    expect(await revokeStandingApproval(db, { id: g.id, revokedBy: 'user:carol' })).toBe(false);
    expect(await activeGrantsFor(db, { agentId: 'billing-bot', tool: 'payments.refund', at: hours(0) })).toEqual([]);
    expect(await consumeStandingApproval(db, { grantId: g.id, actionId: 'a-2', at: hours(0) })).toBe(false);
    expect(await db.prisma.standingApproval.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({ revokedBy: 'user:bob', uses: 1 });
    // Revoking an expired grant records who did it but reports it was not active.
    const expired = await grant({ validFrom: hours(-3), validUntil: hours(-2) });
    expect(await revokeStandingApproval(db, { id: expired.id, revokedBy: 'user:bob' })).toBe(false);
    expect(await revokeStandingApproval(db, { id: 'no-such-grant', revokedBy: 'user:bob' })).toBe(false);
  });
});
