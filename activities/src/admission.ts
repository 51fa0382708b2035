import { workflowIdForAction, type Classification, type GuardedActionInput } from '@airlock/core';
import { appendAudit, type Prisma } from '@airlock/db';
import type { ActivityDeps } from './deps.js';

/**
 * Records the request and classifies it. Idempotent: the action row is keyed by
 * the action id and every audit row by an event key, so a retry changes nothing.
 */
export function createAdmission({ db, classifier }: ActivityDeps) {
  return {
    async admitAction({ actionId, argsHash, request }: GuardedActionInput): Promise<Classification> {
      const agent = await db.prisma.agent.findUnique({ where: { id: request.agentId }, select: { id: true } });
      const classification: Classification = agent
        ? classifier.classify(request)
        : { decision: 'deny', tier: 'critical', reasons: [`unknown agent "${request.agentId}"`] };
      if (agent) {
        await db.prisma.action.upsert({
          where: { id: actionId },
          create: {
            id: actionId,
            agentId: request.agentId,
            tool: request.tool,
            args: request.args as Prisma.InputJsonObject,
            argsHash,
            rationale: request.rationale,
            idempotencyKey: request.idempotencyKey,
            requestedBy: request.requestedBy ?? null,
            riskTier: classification.tier,
            riskReasons: classification.reasons,
            workflowId: workflowIdForAction(actionId),
          },
          update: {},
        });
      }
      await appendAudit(
        db,
        {
          eventKey: `${actionId}:requested`,
          actionId,
          type: 'action.requested',
          actor: `agent:${request.agentId}`,
          payload: { tool: request.tool, argsHash, rationale: request.rationale, requestedBy: request.requestedBy ?? null },
        },
        {
          eventKey: `${actionId}:classified`,
          actionId,
          type: 'action.classified',
          actor: 'system:classifier',
          payload: { ...classification },
        },
      );
      return classification;
    },
  };
}
