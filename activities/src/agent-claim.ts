import { appendAuditIn, inGatedTransaction, killSwitchReason, rollbackWith, suspensionFrom, suspensionStatement } from '@airlock/db';
import type { ActivityDeps } from './deps.js';

/** Why a claim was not recorded: a kill switch covering the agent was on when it came (the runner must not run). */
export interface RunClaimRefused {
  refused: string;
}

/** A gate-only action's run claim (the workflow's `claimRun` Update), audited. */
export function createAgentClaimActivities({ db }: ActivityDeps) {
  return {
    /**
     * The runner that claimed the authorized run, as `action.authorization_claimed` by the agent. Once per
     * action (its event key): a retry after a commit finds the row and keeps it. Under the start gate with the
     * agent's kill switch read in the same transaction, as a worker's run is claimed: a switch turned on before
     * it refuses the claim (nothing written), though the switch's cancellation has not reached the workflow yet
     * (the kill switch commits first, then cancels the actions one by one). Histories from before hold no result.
     */
    async recordRunClaim(input: {
      actionId: string;
      agentId: string;
      tool: string;
      authorizationId: string;
      runnerId: string;
      claimedAt: string;
    }): Promise<RunClaimRefused | undefined> {
      return await inGatedTransaction<RunClaimRefused | undefined>(
        db,
        async (client, [suspension]) => {
          const active = suspensionFrom(suspension!.rows);
          if (active) return rollbackWith({ refused: killSwitchReason(active, 'suspended') });
          await appendAuditIn(client, {
            eventKey: `${input.actionId}:authorization-claimed`,
            actionId: input.actionId,
            type: 'action.authorization_claimed',
            actor: `agent:${input.agentId}`,
            payload: { tool: input.tool, authorizationId: input.authorizationId, runnerId: input.runnerId, claimedAt: input.claimedAt },
          });
          return undefined;
        },
        { withBegin: suspensionStatement(input.agentId) },
      );
    },
  };
}
