import { randomUUID } from 'node:crypto';
import type { Role } from '@airlock/core';
import { appendAudit, createAgent, createUser } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiContext } from '../../../apps/console/src/api/context.js';
import { CANNOT_DECIDE, whyCannotDecide, whyCannotDecideRow } from '../../../apps/console/src/ui/actions/decider-standing.js';
import { actionDetail } from '../../../apps/console/src/ui/actions/detail.js';
import { InboxFilters, inboxApprovals } from '../../../apps/console/src/ui/inbox/query.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The server refuses a decision from someone who lost standing since the round opened (`refuseLostStanding`).
// The inbox and the action page render from this data: they must say why instead of offering a form that can
// only be refused, for every way of losing it, and read it once per inbox page however many rows it has.
describe('the console asks who may decide as things stand now', () => {
  let database: TestDatabase;
  const actions: Record<string, string> = {};

  /** An open round of `agentId` that the workflow opened for `eligible` (null: no record of its approvers). */
  async function openRound(
    agentId: string,
    requirement: { approverRole: Role; approverGroup?: string },
    eligible: string[] | null,
    requestedBy: string | null = null,
  ): Promise<string> {
    const actionId = randomUUID();
    const approvalId = randomUUID();
    const { db } = database;
    await db.prisma.action.create({
      data: {
        id: actionId,
        agentId,
        tool: 'payments.refund',
        args: {},
        argsHash: 'h',
        rationale: '',
        idempotencyKey: actionId,
        workflowId: `action-${actionId}`,
        riskTier: 'high',
        status: 'awaiting_approval',
        requestedBy,
      },
    });
    await db.prisma.approval.create({
      data: {
        id: approvalId,
        actionId,
        requiredApprovals: 1,
        argsHash: 'h',
        timeoutOutcome: 'deny',
        approverGroup: requirement.approverGroup ?? null,
        approverRole: requirement.approverRole,
      },
    });
    if (eligible)
      await appendAudit(db, {
        eventKey: `opened-${approvalId}`,
        actionId,
        type: 'approval.opened',
        actor: 'system:workflow',
        payload: {
          approvalId,
          round: 1,
          requiredApprovals: 1,
          ...requirement,
          denyEndsIt: true,
          timeoutMs: 3_600_000,
          timeoutOutcome: 'deny',
          escalation: [],
          deadline: null,
          eligibleApprovers: eligible,
        },
      });
    return actionId;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const { db } = database;
    await createUser(db, { id: 'ada', role: 'admin' });
    await createUser(db, { id: 'fay', role: 'approver', groups: ['finance'] });
    await createUser(db, { id: 'olga', role: 'approver' });
    await createUser(db, { id: 'dan', role: 'approver' });
    await createUser(db, { id: 'carl', role: 'approver' });
    await createUser(db, { id: 'rita', role: 'approver' });
    await createAgent(db, { id: 'billing-bot', ownerId: 'carl' });
    await createAgent(db, { id: 'ops-bot' });
    actions.demoted = await openRound('billing-bot', { approverRole: 'admin' }, ['ada']);
    actions.outOfGroup = await openRound('billing-bot', { approverRole: 'approver', approverGroup: 'finance' }, ['fay']);
    actions.handedAgent = await openRound('billing-bot', { approverRole: 'approver' }, ['olga', 'dan']);
    actions.control = await openRound('ops-bot', { approverRole: 'approver' }, ['carl', 'rita']);
    // The agent wrote its requester's id in another case; no record of the round's approvers (an older round).
    actions.requestedInOtherCase = await openRound('ops-bot', { approverRole: 'approver' }, null, 'Rita');

    // Each loses standing after the rounds opened: the workflow's snapshot still names them.
    await db.prisma.user.update({ where: { id: 'ada' }, data: { role: 'approver' } });
    await db.prisma.user.update({ where: { id: 'fay' }, data: { groups: [] } });
    await db.prisma.agent.update({ where: { id: 'billing-bot' }, data: { ownerId: 'olga' } });
    await db.prisma.user.update({ where: { id: 'dan' }, data: { disabledAt: new Date() } });
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** What the inbox row and the action page say to `userId` about `actionId` (undefined: they offer the buttons). */
  async function shown(userId: string, actionId: string) {
    const { db } = database;
    // As the session reads it: fresh from the database on every request.
    const { role } = await db.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    const user = { userId, role };
    const row = (await inboxApprovals(db, InboxFilters.parse({}), userId)).find((item) => item.actionId === actionId);
    const ctx = { db, temporal: { withDeadline: () => Promise.reject(new Error('no worker')) } } as unknown as ApiContext;
    const detail = (await actionDetail(ctx, actionId, userId))!;
    const approval = detail.row.approvals[0]!;
    // The page's own question (app/(console)/actions/[id]/page.tsx).
    const page = whyCannotDecide({
      user,
      round: { approverRole: approval.approverRole, approverGroup: approval.approverGroup, eligible: detail.eligible, decidedBy: approval.decisions.map((d) => d.userId) },
      requestedBy: detail.row.requestedBy,
      ownerId: detail.ownerId,
      now: detail.standingNow,
    });
    return { inbox: whyCannotDecideRow(row!, user), page };
  }

  const both = (why: string | undefined) => ({ inbox: why, page: why });

  it('says why instead of offering a decision to whom the server would refuse it now', async () => {
    expect(await shown('ada', actions.demoted!)).toEqual(
      both('You may no longer decide this round: it needs the admin role or higher, and you are now approver. Another approver decides it.'),
    );
    expect(await shown('fay', actions.outOfGroup!)).toEqual(
      both('You may no longer decide this round: it needs the approver role or higher in finance, and you are now approver. Another approver decides it.'),
    );
    expect(await shown('olga', actions.handedAgent!)).toEqual(both(CANNOT_DECIDE.owner));
    // A disabled account is signed out by the session; the data still says so if a page renders for it.
    expect(await shown('dan', actions.handedAgent!)).toEqual(both(CANNOT_DECIDE.inactive));
  });

  it('offers the decision to whom keeps standing, and reads requester ids as the rule does (any case)', async () => {
    expect(await shown('carl', actions.control!)).toEqual(both(undefined));
    expect(await shown('rita', actions.control!)).toEqual(both(undefined));
    expect(await shown('rita', actions.requestedInOtherCase!)).toEqual(both(CANNOT_DECIDE.requested));
    expect(await shown('carl', actions.requestedInOtherCase!)).toEqual(both(undefined));
  });

  it("reads the viewer's standing for a page of rows in one query, however many rows it has", async () => {
    const { db } = database;
    const queries = async (filters: Record<string, string>) => {
      const query = db.pool.query.bind(db.pool);
      let count = 0;
      db.pool.query = ((...args: Parameters<typeof query>) => {
        count++;
        return query(...args);
      }) as typeof db.pool.query;
      try {
        const rows = await inboxApprovals(db, InboxFilters.parse(filters), 'carl');
        expect(rows.every((row) => row.standingNow !== null)).toBe(true);
        return { rows: rows.length, count };
      } finally {
        db.pool.query = query;
      }
    };
    const one = await queries({ agent: 'ops-bot', sort: 'newest' });
    const all = await queries({});
    expect({ one: one.rows, all: all.rows }).toEqual({ one: 2, all: 5 });
    expect(all.count).toBe(one.count);
  });
});
