import { parseAuditEvent, type AuditEventType } from '@airlock/core';
import { observeAudit, type Db, type StoredAuditEvent } from '@airlock/db';
import type { Logger } from '@airlock/telemetry';
import type { WorkerMetrics } from './metrics.js';

// Domain metrics come from the audit rows this process writes: every transition
// goes through the audit log, so counting there needs no hook in the activities.

/** Approval closures that end a human round, and their histogram label. */
const DECISIONS = { 'approval.approved': 'approved', 'approval.denied': 'denied', 'approval.timed_out': 'expired' } as const satisfies Partial<Record<AuditEventType, string>>;

/** Starts counting; returns the unsubscribe. */
export function countAuditEvents(metrics: WorkerMetrics, db: Db, logger: Logger): () => void {
  return observeAudit((events) => {
    for (const event of events) count(metrics, db, logger, event);
  });
}

function count(metrics: WorkerMetrics, db: Db, logger: Logger, stored: StoredAuditEvent): void {
  const event = parseAuditEvent(stored.type, stored.payload);
  switch (event.type) {
    case 'action.classified':
      metrics.actionsClassified.inc({ decision: event.payload.decision, tier: event.payload.tier });
      return;
    case 'action.completed':
      metrics.actionsCompleted.inc({ status: event.payload.status });
      return;
    case 'guardrail.flagged':
      for (const flag of event.payload.flags) metrics.guardrailTriggers.inc({ flag: guardrailKind(flag) });
      return;
    case 'budget.reserved': {
      const amount = Number(event.payload.amount);
      if (Number.isFinite(amount)) metrics.budgetReserved.inc({ currency: label(event.payload.currency) }, amount);
      return;
    }
    case 'budget.exceeded':
      metrics.budgetExceeded.inc();
      return;
    case 'rate_limit.exceeded':
      metrics.rateLimited.inc({ limit: label(event.payload.limit) });
      return;
    case 'tool.succeeded':
    case 'tool.failed':
    case 'tool.cancelled':
      metrics.toolRuns.inc({ tool: label(event.payload.tool), result: event.type.slice('tool.'.length) });
      return;
    case 'approval.approved':
    case 'approval.denied':
    case 'approval.timed_out':
      if (stored.actionId) void observeTimeToDecision(metrics, db, stored.actionId, stored.createdAt, DECISIONS[event.type], logger);
      return;
    default:
      return;
  }
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
