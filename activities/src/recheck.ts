import type { GuardedActionInput } from '@airlock/core';
import { appendAudit, loadRequester, recheckReservation } from '@airlock/db';
import { assess } from './assessment.js';
import type { ActivityDeps } from './deps.js';

export type Recheck = { ok: true } | { ok: false; reason: string };

export function createRecheckActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * Right before the tool runs: the agent may have been suspended, the policy
     * changed or a budget lowered while the approval waited. Audited either way.
     */
    async recheckBeforeRun(input: { input: GuardedActionInput; args: Record<string, unknown>; budgetHolder: string }): Promise<Recheck> {
      const { actionId, request } = input.input;
      const result = await check();
      await appendAudit(db, {
        eventKey: `${actionId}:rechecked`,
        actionId,
        type: result.ok ? 'action.rechecked' : 'action.recheck_failed',
        actor: 'system:policy',
        payload: result.ok ? { policyVersion: deps.policy.current().version } : { reason: result.reason },
      });
      return result;

      async function check(): Promise<Recheck> {
        const requester = await loadRequester(db, request.agentId);
        if (!requester) return { ok: false, reason: `agent "${request.agentId}" no longer exists` };
        const { agent, suspension } = requester;
        if (suspension) return { ok: false, reason: `suspended by the kill switch (${suspension.scope} ${suspension.target}): ${suspension.reason}` };
        const { classification } = assess(deps, { ...request, args: input.args }, agent);
        if (classification.decision === 'deny') return { ok: false, reason: `the policy now denies it: ${classification.reasons.join('; ')}` };
        const budget = await recheckReservation(db, { actionId: input.budgetHolder });
        if (!budget.ok) return { ok: false, reason: `budget: ${budget.reason}` };
        return { ok: true };
      }
    },

    /** Why an action was cancelled: the kill switch if one covers the agent, else an operator. */
    async cancellationReason(input: { agentId: string }): Promise<string> {
      const suspension = (await loadRequester(db, input.agentId))?.suspension;
      return suspension
        ? `cancelled by the kill switch (${suspension.scope} ${suspension.target}) by ${suspension.createdBy}: ${suspension.reason}`
        : 'the action was cancelled by an operator';
    },
  };
}
