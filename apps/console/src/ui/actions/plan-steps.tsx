import type { PlanStepView } from '@airlock/core';

/** A plan's steps in order, each with its classification and whether it can be rolled back. */
export function PlanSteps({ steps }: { steps: PlanStepView[] }) {
  return (
    <ol className="plan">
      {steps.map((step, index) => (
        <li key={index}>
          <code>{step.tool}</code> <span className={`tier tier-${step.tier}`}>{step.tier}</span> · {step.decision.replace('_', ' ')} · {step.status}
          {step.description && <div>{step.description}</div>}
          <div className={step.reversible ? 'muted' : 'urgent'}>{step.reversible ? 'Rolled back automatically if a later step fails' : 'Irreversible: no rollback'}</div>
        </li>
      ))}
    </ol>
  );
}
