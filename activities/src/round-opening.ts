import { randomUUID } from 'node:crypto';
import { roundDeadline, type ApprovalRequirement, type BudgetImpactView } from '@airlock/core';
import type { AuditEventInput, Db } from '@airlock/db';
import type pg from 'pg';
import { resolveApprovers, resolveApproversIn, type ApproverSet } from './approvers.js';

/** The approvers snapshot the `decide` validator checks against, taken when a round opens or escalates. */
export interface OpenedApproval extends ApproverSet {
  approvalId: string;
}

/** Round 1 as admission opened it: the workflow waits on it without opening it again. */
export interface OpenedRound extends OpenedApproval {
  /** ISO time, or null when the policy waits forever. */
  deadline: string | null;
}

/** What a round is opened for: the action, who asks, what they ask (its hash) and what the policy requires. */
export interface RoundToOpen {
  actionId: string;
  round: number;
  agentId: string;
  requestedBy?: string | undefined;
  argsHash: string;
  requirement: ApprovalRequirement;
  deadline: string | null;
  budgetImpacts: BudgetImpactView[];
}

/** `approval.opened`, with who may decide the round; one event per (action, round). */
export function approvalOpenedEvent(round: RoundToOpen, approvalId: string, approvers: ApproverSet): AuditEventInput {
  const { actionId, requirement } = round;
  return {
    eventKey: `${actionId}:approval.opened:${round.round}`,
    actionId,
    type: 'approval.opened',
    actor: 'system:workflow',
    payload: { approvalId, round: round.round, ...requirement, deadline: round.deadline, eligibleApprovers: approvers.eligibleApprovers.map((a) => a.id) },
  };
}

/**
 * Round 1, inside admission's transaction (the action row was inserted by it, with
 * status `awaiting_approval`): the approvers, the approval row, and the
 * `approval.opened` event for the caller to append after admission's own rows, so
 * the chain reads as it always did. One commit, so a crash leaves all or nothing.
 */
export async function openFirstRoundIn(
  client: Pick<pg.PoolClient, 'query'>,
  round: Omit<RoundToOpen, 'round' | 'deadline'>,
  ownerId: string | null,
  openedAt: Date,
): Promise<{ opened: OpenedRound; event: AuditEventInput }> {
  const opening: RoundToOpen = { ...round, round: 1, deadline: roundDeadline(round.requirement, openedAt.getTime()) };
  const approvers = await resolveApproversIn(client, round, ownerId);
  const approvalId = randomUUID();
  const { requirement } = round;
  await client.query(
    `INSERT INTO approvals (id, action_id, round, required_approvals, approver_role, approver_group, args_hash, deadline, timeout_outcome, budget_impact)
     VALUES ($1, $2, 1, $3, $4::"Role", $5, $6, $7, $8, $9)`,
    [
      approvalId,
      round.actionId,
      requirement.requiredApprovals,
      requirement.approverRole,
      requirement.approverGroup ?? null,
      round.argsHash,
      opening.deadline,
      requirement.timeoutOutcome,
      JSON.stringify(round.budgetImpacts),
    ],
  );
  return { opened: { approvalId, deadline: opening.deadline, ...approvers }, event: approvalOpenedEvent(opening, approvalId, approvers) };
}

/**
 * The round 1 an earlier attempt of admission opened (a retry after its commit),
 * with the approvers resolved again as a retried `openApproval` would; undefined
 * when that attempt opened none (it was admitted before admission opened rounds).
 */
export async function readFirstRound(db: Db, round: Omit<RoundToOpen, 'round' | 'deadline' | 'argsHash' | 'budgetImpacts'>): Promise<OpenedRound | undefined> {
  const { rows } = await db.pool.query<{ id: string; deadline: Date | null }>('SELECT id, deadline FROM approvals WHERE action_id = $1 AND round = 1', [round.actionId]);
  const row = rows[0];
  if (!row) return undefined;
  return { approvalId: row.id, deadline: row.deadline?.toISOString() ?? null, ...(await resolveApprovers(db, round)) };
}
