import { z } from 'zod';
import { ToolArgs } from './action.js';
import type { Role } from './risk.js';
import { storedText } from './stored-text.js';

export const Channel = z.enum(['console', 'api', 'slack', 'sdk']);
export type Channel = z.infer<typeof Channel>;

export const DecisionKind = z.enum(['approve', 'deny']);
export type DecisionKind = z.infer<typeof DecisionKind>;

/**
 * Approve and remember: a standing approval the approver gives with this
 * approval. The channel has run the grant's checks; the workflow's decision
 * writer stores it with the decision, so it exists only once Temporal accepted
 * the decision. The window starts at the decision's time.
 */
export const StandingApprovalDraft = z.object({
  /** Chosen by the channel, so activity retries write the grant once and the caller can read it back. */
  grantId: z.string().uuid(),
  agentId: z.string().min(1),
  tool: z.string().min(1),
  condition: z.string().min(1).max(2000),
  reason: z.string().min(1).max(2000),
  validForHours: z.number().positive(),
  maxUses: z.number().int().min(1),
});
export type StandingApprovalDraft = z.infer<typeof StandingApprovalDraft>;

/** An approval's note goes in `comment`: the agent gets the tool's output, so feedback with an approval would be stored and never read. */
export const FEEDBACK_ON_APPROVAL = 'only a denial returns feedback to the model; note why you approved in comment';

/** A human's decision as sent to the workflow's `decide` update. The approver is already authenticated by the channel. */
export const ApprovalDecision = z
  .object({
    approverId: z.string().min(1),
    decision: DecisionKind,
    channel: Channel,
    /** Binds the decision to the exact arguments the approver saw. */
    argsHash: z.string().regex(/^[0-9a-f]{64}$/),
    comment: storedText(2000).optional(),
    /** Deny only: guidance returned to the model. */
    feedback: storedText(4000).optional(),
    /** Approve only: approve these arguments instead; they are re-classified and may need another round. */
    editedArgs: ToolArgs.optional(),
    /** Approve only, without edits: the standing approval remembered with this decision. */
    standingApproval: StandingApprovalDraft.optional(),
  })
  .refine((d) => !(d.editedArgs && d.decision !== 'approve'), { path: ['editedArgs'], message: 'only an approval can edit the arguments' })
  .refine((d) => !(d.feedback && d.decision !== 'deny'), { path: ['feedback'], message: FEEDBACK_ON_APPROVAL })
  .refine((d) => !(d.standingApproval && (d.decision !== 'approve' || d.editedArgs)), {
    path: ['standingApproval'],
    message: 'only a plain approval (no edits) can be remembered',
  });
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export type { RoundSettlement } from './client-errors.js';

export interface EligibleApprover {
  id: string;
  role: Role;
}

export interface RecordedDecision {
  approverId: string;
  decision: 'approve' | 'deny';
  channel: Channel;
  comment?: string;
  feedback?: string;
  /** Set when the approver approved edited arguments. */
  editedArgsHash?: string;
  round: number;
  decidedAt: string;
}

/** What `decide` returns to the caller once the decision is recorded. */
export interface DecideResult {
  accepted: true;
  approvalsSoFar: number;
  requiredApprovals: number;
  approvalStatus: 'open' | 'approved' | 'denied';
}
