import { randomUUID } from 'node:crypto';
import { appendAuditIn, createAgent } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiContext } from '../../../apps/console/src/api/context.js';
import { actionDetail } from '../../../apps/console/src/ui/actions/detail.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uncatalogued } from '../support/uncatalogued.js';

// The action page tells its live refresh the last audit row it shows (`shownSeq`), and signals up to
// it are ignored. So that row's effect must be on the page: a transition that commits while the page
// reads must not be named as shown when the page rendered the state before it.
describe('the action page’s snapshot', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await createAgent(database.db, { id: 'billing-bot', team: 'billing' });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('names as shown only audit rows whose effect it rendered, when a decision commits while it reads', async () => {
    const id = randomUUID();
    await database.db.prisma.action.create({
      data: {
        id,
        agentId: 'billing-bot',
        tool: 'payments.refund',
        args: {},
        argsHash: 'h',
        rationale: '',
        idempotencyKey: id,
        workflowId: `action-${id}`,
        riskTier: 'high',
        status: 'awaiting_approval',
      },
    });
    const approvalId = randomUUID();
    await database.db.prisma.approval.create({ data: { id: approvalId, actionId: id, requiredApprovals: 1, approverRole: 'approver', argsHash: 'h', timeoutOutcome: 'deny' } });
    // No worker answers the live query: the page renders from the database alone.
    const ctx = { db: database.db, temporal: { withDeadline: () => Promise.reject(new Error('no worker')) } } as unknown as ApiContext;

    // A decision's transaction holds the audit table while the page starts reading: the page's first
    // read of the audit rows waits for it, whichever read that is.
    const writer = await database.db.pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
      const rendering = actionDetail(ctx, id);
      await expect
        .poll(
          async () =>
            (
              await database.db.pool.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'audit_events'::regclass AND NOT granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())",
              )
            ).rows[0]!.n,
          {
            timeout: 60_000,
          },
        )
        .toBeGreaterThan(0);
      await writer.query("UPDATE approvals SET status = 'approved' WHERE id = $1", [approvalId]);
      // A row outside the catalogue: what matters is that it commits with the round's change.
      await appendAuditIn(writer, uncatalogued({ eventKey: `closing-${id}`, actionId: id, type: 'test.round_closed', actor: 'user:bob', payload: {} }));
      await writer.query('COMMIT');
      const detail = (await rendering)!;
      const closing = await database.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: id }, orderBy: { seq: 'desc' } });
      // The page read the audit rows after the commit, so it names the closing row: the round it
      // rendered must then be the closed one.
      expect({ shownSeq: detail.shownSeq, round: detail.row.approvals[0]!.status }).toEqual({ shownSeq: closing.seq.toString(), round: 'approved' });
    } finally {
      writer.release();
    }
  });
});
