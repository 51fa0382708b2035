import { observeAudit, type Db, type StoredAuditEvent } from '@airlock/db';
import type { Logger } from '@airlock/telemetry';
import type { WorkerMetrics } from './metrics.js';

// Domain metrics come from the audit rows this process writes: every transition
// goes through the audit log, so counting there needs no hook in the activities.

/** Approval closures that end a human round, and their histogram label. */
const DECISIONS: Record<string, string> = { 'approval.approved': 'approved', 'approval.denied': 'denied', 'approval.timed_out': 'expired' };

/** Starts counting; returns the unsubscribe. */
export function countAuditEvents(metrics: WorkerMetrics, db: Db, logger: Logger): () => void {
  return observeAudit((events) => {
    for (const event of events) count(metrics, db, logger, event);
  });
}

function count(metrics: WorkerMetrics, db: Db, logger: Logger, event: StoredAuditEvent): void {
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  switch (event.type) {
    case 'action.classified':
      metrics.actionsClassified.inc({ decision: label(payload.decision), tier: label(payload.tier) });
      return;
    case 'action.completed':
      metrics.actionsCompleted.inc({ status: label(payload.status) });
      return;
    case 'guardrail.flagged':
      for (const flag of Array.isArray(payload.flags) ? payload.flags : []) metrics.guardrailTriggers.inc({ flag: guardrailKind(flag) });
      return;
    case 'budget.reserved': {
      const amount = Number(payload.amount);
      if (Number.isFinite(amount)) metrics.budgetReserved.inc({ currency: label(payload.currency) }, amount);
      return;
    }
    case 'budget.exceeded':
      metrics.budgetExceeded.inc();
      return;
    case 'rate_limit.exceeded':
      metrics.rateLimited.inc({ limit: label(payload.limit) });
      return;
    case 'tool.succeeded':
    case 'tool.failed':
    case 'tool.cancelled':
      metrics.toolRuns.inc({ tool: label(payload.tool), result: event.type.slice('tool.'.length) });
      return;
  }
  const decision = DECISIONS[event.type];
  if (decision && event.actionId) void observeTimeToDecision(metrics, db, event.actionId, event.createdAt, decision, logger);
}

/** Measured from the action's request, so edits and escalations count in the wait. */
async function observeTimeToDecision(metrics: WorkerMetrics, db: Db, actionId: string, decidedAt: Date, decision: string, logger: Logger): Promise<void> {
  try {
    const { rows } = await db.pool.query<{ created_at: Date }>('SELECT created_at FROM actions WHERE id = $1', [actionId]);
    const requestedAt = rows[0]?.created_at;
    if (requestedAt) metrics.timeToDecision.observe({ decision }, Math.max(0, decidedAt.getTime() - requestedAt.getTime()) / 1000);
  } catch (error) {
    logger.debug({ err: error, actionId }, 'time to decision not recorded');
  }
}

/**
 * Guardrail flags are sentences for people ("sensitive data (email) at args.to
 * redacted"); the label is their kind only, so it stays a short, fixed set.
 */
export function guardrailKind(flag: unknown): string {
  if (typeof flag !== 'string') return 'other';
  const sensitive = /^sensitive data \(([a-z_]+)\)/.exec(flag);
  if (sensitive) return `sensitive:${sensitive[1]}`;
  return flag.startsWith('possible prompt injection') ? 'prompt_injection' : 'other';
}

function label(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : 'unknown';
}
