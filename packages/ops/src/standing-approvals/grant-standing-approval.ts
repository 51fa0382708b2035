import { randomUUID } from 'node:crypto';
import { PLAN_TOOL } from '@airlock/core';
import { grantValidUntil, grantedAuditPayload, insertStandingApprovalIn } from '@airlock/db';
import type pg from 'pg';
import { z } from 'zod';
import { OpsError, invalidField } from '../errors.js';
import { AgentId, Reason, ToolName } from '../fields.js';
import type { Operator } from '../operator.js';
import { defineUseCase } from '../use-case.js';
import { checkGrantCondition } from './grant-condition.js';

export const MAX_GRANT_HOURS = 24 * 90;

/**
 * A plan's one argument, `steps`, is nested: no bound can scope it, so a grant on `airlock.plan`
 * would cover every plan its agent sends, whatever its steps do (three refunds of 999.00 included).
 */
export const PLAN_NOT_GRANTABLE = `a plan (${PLAN_TOOL}) cannot take a standing approval: its steps cannot be bound, so it would cover every plan the agent sends, whatever its steps do; approve it without remembering`;

/** The tool a grant covers: any the gate takes but a plan. */
export const GrantedTool = ToolName.refine((tool) => tool !== PLAN_TOOL, PLAN_NOT_GRANTABLE);

export const GrantStandingApprovalInput = z.strictObject({
  agentId: AgentId,
  tool: GrantedTool,
  condition: z.string().trim().min(1).max(2000),
  reason: Reason,
  validForHours: z.number().positive().max(MAX_GRANT_HOURS),
  maxUses: z.number().int().min(1).max(10_000),
});
export type GrantStandingApprovalInput = z.output<typeof GrantStandingApprovalInput>;

/**
 * Whether this operator may give this grant: the agent exists, the operator does
 * not own it (separation of duties holds in advance as it does for each
 * approval), and the condition compiles. Approve-and-remember runs the same
 * checks before it decides anything.
 */
export async function checkGrant(db: Pick<pg.PoolClient, 'query'>, input: GrantStandingApprovalInput, operator: Operator): Promise<void> {
  const agent = await db.query<{ owner_id: string | null }>('SELECT owner_id FROM agents WHERE id = $1', [input.agentId]);
  if (!agent.rows[0]) throw invalidField('agentId', `no agent "${input.agentId}"`);
  if (operator.userId !== null && agent.rows[0].owner_id === operator.userId) {
    throw new OpsError('forbidden', `${operator.userId} owns agent "${input.agentId}" and may not grant it standing approvals`);
  }
  checkGrantCondition(input.condition);
}

/**
 * Pre-approves one agent's use of one tool while a CEL condition holds, from now
 * for `validForHours`, at most `maxUses` times (approver). The agent's owner may not.
 */
export const grantStandingApproval = defineUseCase({
  name: 'standing_approval.grant',
  role: 'approver',
  input: GrantStandingApprovalInput,
  async write(tx, input, operator) {
    await checkGrant(tx, input, operator);
    const validFrom = new Date();
    const { grant } = await insertStandingApprovalIn(tx, {
      id: randomUUID(),
      agentId: input.agentId,
      tool: input.tool,
      condition: input.condition,
      reason: input.reason,
      grantedBy: operator.userId ?? operator.actor,
      validFrom,
      validUntil: grantValidUntil(validFrom, input.validForHours),
      maxUses: input.maxUses,
    });
    return {
      result: grant,
      audit: { type: 'standing_approval.granted', eventKey: `standing-approval:${grant.id}:granted`, payload: grantedAuditPayload(grant) },
    };
  },
});
