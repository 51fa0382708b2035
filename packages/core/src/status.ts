import type { ActionOutcome, Classification } from './action.js';
import type { RecordedDecision } from './decision.js';
import type { PlanStepView } from './plan.js';

/**
 * Where the workflow is. An action the policy allows outright is also run during
 * 'classifying' (one activity); the action's database status shows 'running' then.
 */
export type ActionPhase =
  | 'classifying'
  | 'awaiting_approval'
  | 'rechecking'
  | 'running'
  | 'compensating'
  | 'compensation_failed'
  | 'completing'
  | 'completed';

/** Answer of the workflow's `status` query. */
export interface ActionStatusView {
  actionId: string;
  agentId: string;
  tool: string;
  /** Hash of the arguments currently under decision (changes when an approver edits them). */
  argsHash: string;
  phase: ActionPhase;
  classification?: Classification;
  guardrailFlags?: string[];
  standingGrantId?: string;
  budgetImpacts?: BudgetImpactView[];
  /** Multi-step plans: every step with its classification, rollback and progress. */
  plan?: { steps: PlanStepView[] };
  approval?: {
    approvalId: string;
    round: number;
    requiredApprovals: number;
    approverRole: string;
    approverGroup?: string;
    /** null when the policy waits forever. */
    deadline: string | null;
    escalationLevel: number;
    decisions: RecordedDecision[];
  };
  outcome?: ActionOutcome;
}

/** What an approver sees about money, per budget the action reserves against. */
export interface BudgetImpactView {
  budgetId: string;
  scope: string;
  target: string;
  period: string;
  currency: string;
  limit: string;
  approvalThreshold: string | null;
  spent: string;
  /** Reserved in the period; includes this action when it holds a reservation. */
  reserved: string;
  thisAction: string;
  /** spent + reserved, counting this action, is above the approval threshold. */
  thresholdCrossed: boolean;
}
