import { randomUUID } from 'node:crypto';
import { roleAtLeast, type ApprovalRequirement, type EligibleApprover, type RecordedDecision } from '@airlock/core';
import { appendAudit } from '@airlock/db';
import type { ActivityDeps } from './deps.js';

export interface OpenApprovalInput {
  actionId: string;
  agentId: string;
  requestedBy?: string;
  argsHash: string;
  requirement: ApprovalRequirement;
  deadline: string;
}

export interface OpenedApproval {
  approvalId: string;
  /** A snapshot of who may decide, taken when the approval opens; the `decide` validator checks against it. */
  eligibleApprovers: EligibleApprover[];
  /** People with the role who still may not decide, and why (separation of duties). */
  excluded: { id: string; reason: string }[];
}

export type ApprovalClosure = 'approved' | 'denied' | 'expired' | 'cancelled';

export function createApprovalActivities({ db }: ActivityDeps) {
  return {
    async openApproval(input: OpenApprovalInput): Promise<OpenedApproval> {
      const { actionId, requirement } = input;
      const agent = await db.prisma.agent.findUnique({ where: { id: input.agentId }, select: { ownerId: true } });
      const users = await db.prisma.user.findMany({ select: { id: true, role: true } });
      const excluded: OpenedApproval['excluded'] = [];
      const eligibleApprovers: EligibleApprover[] = [];
      for (const user of users) {
        if (!roleAtLeast(user.role, requirement.approverRole)) continue;
        if (user.id === input.requestedBy) excluded.push({ id: user.id, reason: 'requested this action: nobody approves their own request' });
        else if (user.id === agent?.ownerId) excluded.push({ id: user.id, reason: "owns the requesting agent: nobody approves their own agent's request" });
        else eligibleApprovers.push({ id: user.id, role: user.role });
      }
      // Keyed on the action so a retried activity finds the approval it already opened.
      const approval = await db.prisma.approval.upsert({
        where: { actionId },
        create: {
          id: randomUUID(),
          actionId,
          requiredApprovals: requirement.requiredApprovals,
          approverRole: requirement.approverRole,
          argsHash: input.argsHash,
          deadline: new Date(input.deadline),
          timeoutOutcome: requirement.timeoutOutcome,
        },
        update: {},
      });
      await db.prisma.action.update({ where: { id: actionId }, data: { status: 'awaiting_approval' } });
      await appendAudit(db, {
        eventKey: `${actionId}:approval.opened`,
        actionId,
        type: 'approval.opened',
        actor: 'system:workflow',
        payload: { approvalId: approval.id, ...requirement, deadline: input.deadline, eligibleApprovers: eligibleApprovers.map((a) => a.id) },
      });
      return { approvalId: approval.id, eligibleApprovers, excluded };
    },

    async recordDecision(input: { actionId: string; approvalId: string; argsHash: string; decision: RecordedDecision }): Promise<void> {
      const { actionId, approvalId, decision } = input;
      await db.prisma.approvalDecision.upsert({
        where: { approvalId_userId: { approvalId, userId: decision.approverId } },
        create: {
          id: randomUUID(),
          approvalId,
          userId: decision.approverId,
          channel: decision.channel,
          decision: decision.decision,
          comment: decision.comment ?? null,
          feedback: decision.feedback ?? null,
          argsHash: input.argsHash,
          decidedAt: new Date(decision.decidedAt),
        },
        update: {},
      });
      await appendAudit(db, {
        eventKey: `${actionId}:decision:${decision.approverId}`,
        actionId,
        type: 'approval.decision',
        actor: `user:${decision.approverId}`,
        payload: { approvalId, ...decision, argsHash: input.argsHash },
      });
    },

    async closeApproval(input: { actionId: string; approvalId: string; closure: ApprovalClosure; reason: string }): Promise<void> {
      const { actionId, approvalId, closure } = input;
      await db.prisma.approval.updateMany({ where: { id: approvalId, status: 'open' }, data: { status: closure, closedAt: new Date() } });
      await appendAudit(db, {
        eventKey: `${actionId}:approval.closed`,
        actionId,
        type: closure === 'expired' ? 'approval.timed_out' : `approval.${closure}`,
        actor: closure === 'expired' ? 'system:deadline' : 'system:workflow',
        payload: { approvalId, reason: input.reason },
      });
    },
  };
}
