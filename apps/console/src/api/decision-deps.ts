import type { DecisionDeps } from '@airlock/ops';
import type { ApiContext } from './context.js';

/**
 * What the decision use cases need from the console, the same for the REST
 * routes and the pages' server actions: the wait for a worker, and the audit
 * feed that tells an approval's wait when the decision is stored.
 */
export function decisionDeps(ctx: ApiContext): DecisionDeps {
  return {
    db: ctx.db,
    temporal: ctx.temporal,
    ...(ctx.decisionWaitMs ? { waitMs: ctx.decisionWaitMs } : {}),
    ...(ctx.actionWatch ? { watch: ctx.actionWatch } : {}),
  };
}
