import { isAuditEvent, parseAuditEvent, type ParsedAuditEvent } from '@airlock/core';
import type { Db } from '@airlock/db';
import type { Admission } from './admission.js';

/**
 * The decision an earlier attempt of admission committed, read back from its
 * audit rows (they are written in the same transaction as everything else, so
 * they are all there). Used only when an admission activity is retried after
 * its commit: the workflow must follow the decision the log shows, even if the
 * kill switch or the policy changed since.
 */
export async function readStoredAdmission(db: Db, actionId: string): Promise<Admission> {
  const keys = ['classified', 'guardrails', 'budget', 'standing'].map((suffix) => `${actionId}:${suffix}`);
  const { rows } = await db.pool.query<{ event_key: string; type: string; payload: unknown }>('SELECT event_key, type, payload FROM audit_events WHERE event_key = ANY($1)', [
    keys,
  ]);
  const byKey = new Map<string, ParsedAuditEvent>(rows.map((row) => [row.event_key.slice(actionId.length + 1), parseAuditEvent(row.type, row.payload)]));
  const classified = byKey.get('classified');
  if (!classified || !isAuditEvent(classified, 'action.classified')) {
    throw new Error(`action ${actionId} has a row but no readable "action.classified" audit event${classified?.type === 'legacy' ? ` (${classified.problem})` : ''}`);
  }
  const { plan, ...classification } = classified.payload;
  const guardrails = byKey.get('guardrails');
  const budget = byKey.get('budget');
  const standing = byKey.get('standing');
  const reserved = budget && isAuditEvent(budget, 'budget.reserved') ? budget : undefined;
  const exceeded = budget && isAuditEvent(budget, 'budget.exceeded') ? budget : undefined;
  return {
    classification,
    guardrailFlags: guardrails && isAuditEvent(guardrails, 'guardrail.flagged') ? guardrails.payload.flags : [],
    budgetImpacts: (reserved ?? exceeded)?.payload.impacts ?? [],
    budgetReserved: reserved !== undefined,
    ...(plan ? { plan } : {}),
    ...(standing && isAuditEvent(standing, 'approval.standing_used') ? { standingGrantId: standing.payload.grantId } : {}),
  };
}

/** Whether an earlier attempt of admission committed the action's row. */
export async function hasActionRow(db: Db, actionId: string): Promise<boolean> {
  const { rows } = await db.pool.query('SELECT 1 FROM actions WHERE id = $1', [actionId]);
  return rows.length > 0;
}
