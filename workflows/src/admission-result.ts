import type { ActionOutcome, ActionStatusView, Classification } from '@airlock/core';
import type { AdmitAndRunAnswer, Admission, FastPathRun, OpenedRound } from '@airlock/activities';

/** How a run ended: completed by the run itself (outcome, budget and audit in its commit), or left to the completion step. */
export type RunEnd = { kind: 'completed'; outcome: ActionOutcome } | { kind: 'to_complete'; outcome: ActionOutcome };

/** What admission decided, as one value the workflows switch on. */
export type AdmissionResult =
  /** Allowed outright and run inside admission (the fast path). */
  | { kind: 'ran'; admission: Admission; run: RunEnd }
  | { kind: 'denied'; admission: Admission; outcome: ActionOutcome }
  /** `opened`: round 1, opened by admission in its commit (absent in histories from before it did). */
  | { kind: 'needs_approval'; admission: Admission; classification: Extract<Classification, { decision: 'require_approval' }>; opened?: OpenedRound }
  /** Allowed, to be run by the workflow (plans, step by step) or by the agent (gate-only actions). */
  | { kind: 'allowed'; admission: Admission };

/**
 * The one reading of `admitAndRun`'s answer. The answer keeps the shape it has in
 * every saved history (`{ admission, run? }`, `opened` added), so running workflows replay.
 */
export function admissionResult(actionId: string, answer: AdmitAndRunAnswer): AdmissionResult {
  const { admission, run, opened } = answer;
  if (run) return { kind: 'ran', admission, run: fastPathEnd(actionId, run) };
  const { classification } = admission;
  switch (classification.decision) {
    case 'deny':
      return { kind: 'denied', admission, outcome: { status: 'denied', actionId, reason: classification.reasons.join('; '), deniedBy: 'policy' } };
    case 'require_approval':
      return { kind: 'needs_approval', admission, classification, ...(opened ? { opened } : {}) };
    case 'allow':
      return { kind: 'allowed', admission };
  }
}

/** The fast path's run as a RunEnd; histories from before it completed every run say whether it did (`recorded`). */
export function fastPathEnd(actionId: string, run: FastPathRun): RunEnd {
  if ('completed' in run) return { kind: 'completed', outcome: run.completed };
  if (!run.ok) return { kind: 'to_complete', outcome: { status: 'failed', actionId, error: run.error } };
  const outcome: ActionOutcome = { status: 'executed', actionId, output: run.output };
  return run.recorded ? { kind: 'completed', outcome } : { kind: 'to_complete', outcome };
}

/** What the status query shows of admission. */
export function showAdmission(view: ActionStatusView, admission: Admission): void {
  view.classification = admission.classification;
  view.guardrailFlags = admission.guardrailFlags;
  view.budgetImpacts = admission.budgetImpacts;
  if (admission.standingGrantId) view.standingGrantId = admission.standingGrantId;
  if (admission.plan) view.plan = { steps: admission.plan };
}
