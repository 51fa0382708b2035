import { awaitOutcome } from '@airlock/core/gateway';
import type { Harness } from '../support/harness.js';

/** How a refund's approval round ended: the outcome, whether the refund ran, the approval's row and the round's closing audit row. */
export async function roundEnd(h: Harness, actionId: string) {
  const outcome = await awaitOutcome(h.client, actionId);
  const ran = await h.db.prisma.ledgerEntry.count({ where: { idempotencyKey: `${actionId}:run` } });
  const approval = await h.db.prisma.approval.findFirstOrThrow({ where: { actionId } });
  const closing = await h.db.prisma.auditEvent.findFirst({ where: { actionId, type: { in: ['approval.denied', 'approval.timed_out', 'approval.approved'] } } });
  return { outcome, ran, approval, closing };
}
