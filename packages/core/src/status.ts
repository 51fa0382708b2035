import type { ActionOutcome, Classification } from './action.js';
import type { RecordedDecision } from './decision.js';

export type ActionPhase =
  | 'classifying'
  | 'awaiting_approval'
  | 'running'
  | 'completing'
  | 'completed';

/** Answer of the workflow's `status` query. */
export interface ActionStatusView {
  actionId: string;
  agentId: string;
  tool: string;
  argsHash: string;
  phase: ActionPhase;
  classification?: Classification;
  approval?: {
    approvalId: string;
    requiredApprovals: number;
    deadline: string;
    decisions: RecordedDecision[];
  };
  outcome?: ActionOutcome;
}
