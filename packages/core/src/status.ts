import { z } from 'zod';
import type { ActionOutcome, Classification } from './action.js';
import type { Authorization } from './agent-run.js';
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
  /** Gate-only actions: authorized, waiting for the agent to run the tool and report. */
  | 'awaiting_report'
  /** Gate-only actions: a kill switch revoked the unreported authorization; a report is still recorded until it expires. */
  | 'authorization_revoked'
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
  /** Gate-only actions, once allowed: what the agent may run, and the hash of its report once made. */
  authorization?: Authorization & { reportHash?: string };
  outcome?: ActionOutcome;
}

/** What an approver sees about money, per budget the action reserves against. A schema because budget audit rows carry it. */
export const BudgetImpactView = z.object({
  budgetId: z.string(),
  scope: z.string(),
  target: z.string(),
  period: z.string(),
  currency: z.string(),
  limit: z.string(),
  approvalThreshold: z.string().nullable(),
  spent: z.string(),
  /** Reserved in the period; includes this action when it holds a reservation. */
  reserved: z.string(),
  thisAction: z.string(),
  /** spent + reserved, counting this action, is above the approval threshold. */
  thresholdCrossed: z.boolean(),
});
export type BudgetImpactView = z.infer<typeof BudgetImpactView>;
