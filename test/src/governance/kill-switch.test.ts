import { randomUUID } from 'node:crypto';
import { actionsAffectedBy, activeSuspension, createAgent, type Db, listSuspensions, resume, suspend } from '@airlock/db';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { useGovernanceDatabase } from './database.js';

let db: Db;
useGovernanceDatabase((fresh) => (db = fresh));

type Status = 'requested' | 'awaiting_approval' | 'running' | 'executed' | 'denied' | 'expired' | 'failed' | 'cancelled';
async function seedAction(agentId: string, status: Status): Promise<string> {
  const id = randomUUID();
  await db.prisma.action.create({
    data: { id, agentId, tool: 'payments.refund', args: {}, argsHash: 'h', rationale: '', idempotencyKey: id, workflowId: `wf-${id}`, status },
  });
  return id;
}

const billing = { agentId: 'billing-bot', team: 'finance' };
const ledger = { agentId: 'ledger-bot', team: 'finance' };
const support = { agentId: 'support-bot', team: 'support' };

describe('kill switches', () => {
  it('finds agent, team and tenant suspensions for the agents they cover only', async () => {
    await suspend(db, { scope: 'agent', target: 'billing-bot', reason: 'looping refunds', by: 'user:alice' });
    expect(await activeSuspension(db, billing)).toMatchObject({ scope: 'agent', target: 'billing-bot', reason: 'looping refunds', createdBy: 'user:alice' });
    expect(await activeSuspension(db, ledger)).toBeNull();

    await suspend(db, { scope: 'team', target: 'support', reason: 'incident 42', by: 'user:alice' });
    expect(await activeSuspension(db, support)).toMatchObject({ scope: 'team', target: 'support' });
    expect(await activeSuspension(db, ledger)).toBeNull();

    await suspend(db, { scope: 'tenant', target: '*', reason: 'all stop', by: 'user:root' });
    expect(await activeSuspension(db, ledger)).toMatchObject({ scope: 'tenant', target: '*', reason: 'all stop' });
  });

  it('names the most specific switch, and resuming one lifts only it', async () => {
    await suspend(db, { scope: 'tenant', target: '*', reason: 'all stop', by: 'user:root' });
    await suspend(db, { scope: 'team', target: 'finance', reason: 'finance freeze', by: 'user:alice' });
    await suspend(db, { scope: 'agent', target: 'billing-bot', reason: 'looping refunds', by: 'user:alice' });
    expect(await activeSuspension(db, billing)).toMatchObject({ scope: 'agent' });
    expect(await activeSuspension(db, ledger)).toMatchObject({ scope: 'team' });
    expect(await activeSuspension(db, support)).toMatchObject({ scope: 'tenant' });

    expect(await resume(db, { scope: 'agent', target: 'billing-bot', by: 'user:alice' })).toBe(true);
    expect(await resume(db, { scope: 'agent', target: 'billing-bot', by: 'user:alice' })).toBe(false);
    expect(await activeSuspension(db, billing)).toMatchObject({ scope: 'team' });
    expect(await resume(db, { scope: 'team', target: 'finance', by: 'user:alice' })).toBe(true);
    expect(await resume(db, { scope: 'tenant', target: '*', by: 'user:root' })).toBe(true);
    expect(await activeSuspension(db, billing)).toBeNull();

    expect(await listSuspensions(db)).toHaveLength(3);
    expect(await listSuspensions(db, { activeOnly: true })).toEqual([]);
    expect((await listSuspensions(db))[0]).toMatchObject({ liftedBy: expect.any(String), liftedAt: expect.any(Date) });
  });

  it('keeps one active switch per target, even when suspended concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => suspend(db, { scope: 'team', target: 'finance', reason: `click ${i}`, by: 'user:alice' })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.suspension.id)).size).toBe(1);
    expect(await listSuspensions(db, { activeOnly: true })).toHaveLength(1);
    // After a resume, a new suspension is a new switch.
    await resume(db, { scope: 'team', target: 'finance', by: 'user:alice' });
    const again = await suspend(db, { scope: 'team', target: 'finance', reason: 'again', by: 'user:bob' });
    expect(again.created).toBe(true);
    expect(again.suspension.id).not.toBe(results[0]!.suspension.id);
  });

  it('refuses a tenant switch on anything but "*" and "*" on any other scope', async () => {
    await expect(suspend(db, { scope: 'tenant', target: 'acme', reason: 'x', by: 'user:root' })).rejects.toBeInstanceOf(ZodError);
    await expect(suspend(db, { scope: 'agent', target: '*', reason: 'x', by: 'user:root' })).rejects.toBeInstanceOf(ZodError);
    await expect(suspend(db, { scope: 'agent', target: 'billing-bot', reason: ' ', by: 'user:root' })).rejects.toBeInstanceOf(ZodError);
  });

  it('lists the live actions of the covered agents as affected, and nothing else', async () => {
    for (const who of [billing, ledger, support]) await createAgent(db, { id: who.agentId, team: who.team });
    const live = async (agentId: string) => [await seedAction(agentId, 'requested'), await seedAction(agentId, 'awaiting_approval'), await seedAction(agentId, 'running')];
    const billingLive = await live('billing-bot');
    const ledgerLive = await live('ledger-bot');
    const supportLive = await live('support-bot');
    for (const status of ['executed', 'denied', 'expired', 'failed', 'cancelled'] as const) {
      for (const who of [billing, ledger, support]) await seedAction(who.agentId, status);
    }
    const sorted = (ids: string[]) => [...ids].sort();
    expect(sorted(await actionsAffectedBy(db, { scope: 'agent', target: 'billing-bot' }))).toEqual(sorted(billingLive));
    expect(sorted(await actionsAffectedBy(db, { scope: 'team', target: 'finance' }))).toEqual(sorted([...billingLive, ...ledgerLive]));
    expect(sorted(await actionsAffectedBy(db, { scope: 'tenant', target: '*' }))).toEqual(sorted([...billingLive, ...ledgerLive, ...supportLive]));
    expect(await actionsAffectedBy(db, { scope: 'agent', target: 'nobody' })).toEqual([]);
  });
});
