import { randomUUID } from 'node:crypto';
import { actionsAffectedBy, appendAudit, resume, suspend, type Db } from '@airlock/db';
import { actionHandle } from '@airlock/core/gateway';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';

export type KillScope = 'agent' | 'team' | 'tenant';

export interface SuspendResult {
  suspensionId: string;
  /** Live actions whose workflows were asked to cancel (pending approvals and running tools). */
  cancelledActions: string[];
}

/**
 * The kill switch: from this moment new actions of the scope are denied at
 * admission; live ones are cancelled through Temporal, so a pending approval
 * closes and a running tool receives cancellation. Audited, with the reason.
 */
export async function suspendAndCancel(
  deps: { db: Db; temporal: Client },
  input: { scope: KillScope; target: string; reason: string; by: string },
): Promise<SuspendResult> {
  const target = input.scope === 'tenant' ? '*' : input.target;
  const { suspension } = await suspend(deps.db, { ...input, target });
  await appendAudit(deps.db, {
    eventKey: `kill-switch:${suspension.id}:on`,
    type: 'kill_switch.on',
    actor: `user:${input.by}`,
    payload: { suspensionId: suspension.id, scope: input.scope, target, reason: input.reason },
  });
  const affected = await actionsAffectedBy(deps.db, { scope: input.scope, target });
  const cancelledActions: string[] = [];
  for (const actionId of affected) {
    try {
      await actionHandle(deps.temporal, actionId).cancel();
      cancelledActions.push(actionId);
    } catch (error) {
      // Finished between the query and the cancel: nothing left to stop.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return { suspensionId: suspension.id, cancelledActions };
}

/** Lifts the kill switch for a scope; new actions are admitted again. */
export async function resumeScope(deps: { db: Db }, input: { scope: KillScope; target: string; by: string }): Promise<{ wasActive: boolean }> {
  const target = input.scope === 'tenant' ? '*' : input.target;
  const wasActive = await resume(deps.db, { ...input, target });
  if (wasActive) {
    await appendAudit(deps.db, {
      eventKey: `kill-switch:${input.scope}:${target}:off:${randomUUID()}`,
      type: 'kill_switch.off',
      actor: `user:${input.by}`,
      payload: { scope: input.scope, target },
    });
  }
  return { wasActive };
}
