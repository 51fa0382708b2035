import { Classification, type BudgetImpactView, type PlanStepView } from '@airlock/core';
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
  const { rows } = await db.pool.query<{ event_key: string; type: string; payload: Record<string, unknown> }>(
    'SELECT event_key, type, payload FROM audit_events WHERE event_key = ANY($1)',
    [keys],
  );
  const byKey = new Map(rows.map((row) => [row.event_key.slice(actionId.length + 1), row]));
  const classified = byKey.get('classified');
  if (!classified) throw new Error(`action ${actionId} has a row but no "action.classified" audit event`);
  const budget = byKey.get('budget');
  const plan = classified.payload.plan as PlanStepView[] | undefined;
  const grantId = byKey.get('standing')?.payload.grantId;
  return {
    // Parsing drops the plan (stored alongside) and proves the row still holds a classification.
    classification: Classification.parse(classified.payload),
    guardrailFlags: (byKey.get('guardrails')?.payload.flags as string[] | undefined) ?? [],
    budgetImpacts: (budget?.payload.impacts as BudgetImpactView[] | undefined) ?? [],
    budgetReserved: budget?.type === 'budget.reserved',
    ...(plan ? { plan } : {}),
    ...(typeof grantId === 'string' ? { standingGrantId: grantId } : {}),
  };
}
