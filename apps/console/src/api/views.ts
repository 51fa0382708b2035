import type { Action, ActiveSuspension, Agent, Approval, AuditEvent, BudgetWithUsage, StandingApproval, StoredDecision } from '@airlock/db';
import {
  ActionOutcome,
  type ActionView,
  type AgentView,
  type ApprovalSummary,
  type AuditEventView,
  type BudgetView,
  type Quorum,
  type RecordedDecisionView,
  type StandingApprovalView,
  type Suspension,
  type KeyView,
  type MintedKeyView,
  type UserView,
} from './schemas.js';
import type { KeyRecord, MintedKey, UserRecord } from '@airlock/ops';

// Database rows → API views. Dates become ISO strings, JSON columns are narrowed, BigInt seq becomes a string.

export type ApprovalRow = Approval & { decisions: StoredDecision[] };
/** An action with its latest approval round only (`approvals` holds at most one). */
export type ActionRow = Action & { approvals: ApprovalRow[] };

export function toRecordedDecisionView(d: StoredDecision): RecordedDecisionView {
  return {
    approverId: d.userId,
    decision: d.decision,
    channel: d.channel,
    comment: d.comment,
    feedback: d.feedback,
    argsHash: d.argsHash,
    editedArgs: d.editedArgs === null ? null : jsonObject(d.editedArgs),
    decidedAt: d.decidedAt.toISOString(),
  };
}

export function quorumOf(approval: ApprovalRow): Quorum {
  return {
    approvals: approval.decisions.filter((d) => d.decision === 'approve').length,
    denials: approval.decisions.filter((d) => d.decision === 'deny').length,
    required: approval.requiredApprovals,
  };
}

export function toActionView(row: ActionRow, workflow: ActionView['workflow']): ActionView {
  const approval = row.approvals[0];
  return {
    id: row.id,
    agentId: row.agentId,
    tool: row.tool,
    args: jsonObject(row.args),
    argsHash: row.argsHash,
    rationale: row.rationale,
    idempotencyKey: row.idempotencyKey,
    requestedBy: row.requestedBy,
    status: row.status,
    tier: row.riskTier,
    reasons: stringArray(row.riskReasons),
    outcome: storedOutcome(row.outcome),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
    approval: approval
      ? {
          id: approval.id,
          round: approval.round,
          status: approval.status,
          approverRole: approval.approverRole,
          approverGroup: approval.approverGroup,
          escalationLevel: approval.escalationLevel,
          quorum: quorumOf(approval),
          argsHash: approval.argsHash,
          budgetImpact: approval.budgetImpact,
          deadline: approval.deadline?.toISOString() ?? null,
          timeoutOutcome: approval.timeoutOutcome,
          createdAt: approval.createdAt.toISOString(),
          closedAt: approval.closedAt?.toISOString() ?? null,
          decisions: approval.decisions.map(toRecordedDecisionView),
        }
      : null,
    workflow,
  };
}

export function toApprovalSummary(approval: ApprovalRow & { action: Action }): ApprovalSummary {
  const { action } = approval;
  return {
    approvalId: approval.id,
    actionId: action.id,
    status: approval.status,
    agentId: action.agentId,
    tool: action.tool,
    args: jsonObject(action.args),
    argsHash: approval.argsHash,
    rationale: action.rationale,
    requestedBy: action.requestedBy,
    tier: action.riskTier,
    reasons: stringArray(action.riskReasons),
    round: approval.round,
    approverRole: approval.approverRole,
    approverGroup: approval.approverGroup,
    escalationLevel: approval.escalationLevel,
    quorum: quorumOf(approval),
    budgetImpact: approval.budgetImpact,
    deadline: approval.deadline?.toISOString() ?? null,
    createdAt: approval.createdAt.toISOString(),
    decisions: approval.decisions.map(toRecordedDecisionView),
  };
}

export function toAuditEventView(row: AuditEvent): AuditEventView {
  return {
    seq: row.seq.toString(),
    eventKey: row.eventKey,
    actionId: row.actionId,
    type: row.type,
    actor: row.actor,
    payload: row.payload,
    createdAt: row.createdAt.toISOString(),
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

export function toSuspension(row: ActiveSuspension): Suspension {
  return { id: row.id, scope: row.scope, target: row.target, reason: row.reason, createdBy: row.createdBy, createdAt: row.createdAt.toISOString() };
}

/** `active` mirrors the database's own test for a usable grant: not revoked, inside its window, uses left. */
export function toStandingApprovalView(row: StandingApproval, now = new Date()): StandingApprovalView {
  return {
    id: row.id,
    agentId: row.agentId,
    tool: row.tool,
    condition: row.condition,
    reason: row.reason,
    grantedBy: row.grantedBy,
    validFrom: row.validFrom.toISOString(),
    validUntil: row.validUntil.toISOString(),
    maxUses: row.maxUses,
    uses: row.uses,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    revokedBy: row.revokedBy,
    createdAt: row.createdAt.toISOString(),
    active: row.revokedAt === null && row.validFrom <= now && row.validUntil > now && row.uses < row.maxUses,
  };
}

export function toBudgetView(row: BudgetWithUsage): BudgetView {
  return {
    id: row.id,
    scope: row.scope,
    target: row.target,
    period: row.period,
    currency: row.currency,
    limit: row.limit,
    approvalThreshold: row.approvalThreshold,
    createdAt: row.createdAt.toISOString(),
    periodStart: row.periodStart,
    spent: row.spent,
    reserved: row.reserved,
    remaining: row.remaining,
  };
}

/** The agent columns a view needs: a select for Prisma. */
export const AGENT_COLUMNS = { id: true, name: true, team: true, ownerId: true, allowedTools: true, disabledAt: true } as const;

export function toAgentView(row: Pick<Agent, 'id' | 'name' | 'team' | 'ownerId' | 'allowedTools' | 'disabledAt'>, suspension: ActiveSuspension | null): AgentView {
  return {
    id: row.id,
    name: row.name,
    team: row.team,
    ownerId: row.ownerId,
    allowedTools: row.allowedTools,
    suspension: suspension ? toSuspension(suspension) : null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
  };
}

/** The outcome column as written by completeAction; anything else reads as "no outcome yet". */
export function storedOutcome(value: unknown): ActionOutcome | null {
  const parsed = ActionOutcome.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function jsonObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function toKeyView(key: KeyRecord): KeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    name: key.name,
    agentId: key.agentId,
    userId: key.userId,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

export function toMintedKeyView(minted: MintedKey): MintedKeyView {
  return { key: toKeyView(minted.key), secret: minted.secret };
}

export function toUserView(user: UserRecord): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    groups: user.groups,
    createdAt: user.createdAt.toISOString(),
    disabledAt: user.disabledAt?.toISOString() ?? null,
  };
}
