import { appendAuditIn, inTransaction } from '@airlock/db';
import type { ActivityDeps } from './deps.js';

/** A gate-only action's run claim (the workflow's `claimRun` Update), audited. */
export function createAgentClaimActivities({ db }: ActivityDeps) {
  return {
    /**
     * The runner that claimed the authorized run, as `action.authorization_claimed` by the agent. Once per
     * action (its event key): a retry after a commit finds the row and keeps it.
     */
    async recordRunClaim(input: { actionId: string; agentId: string; tool: string; authorizationId: string; runnerId: string; claimedAt: string }): Promise<void> {
      await inTransaction(db, async (client) => {
        await appendAuditIn(client, {
          eventKey: `${input.actionId}:authorization-claimed`,
          actionId: input.actionId,
          type: 'action.authorization_claimed',
          actor: `agent:${input.agentId}`,
          payload: { tool: input.tool, authorizationId: input.authorizationId, runnerId: input.runnerId, claimedAt: input.claimedAt },
        });
      });
    },
  };
}
