import { resolveCompensation } from '@airlock/ops';
import { operatorRoute } from '../../operator-route.js';
import { withPathKey } from '../../path-key.js';

/** POST /api/v1/actions/:id/compensations (admin): retry a plan's failed compensation, or record that it was fixed by hand. */
export const postCompensationResolution = operatorRoute<{ id: string }>('management/compensations#postCompensationResolution', (ctx, operator, body, { id }) =>
  resolveCompensation({ db: ctx.db, temporal: ctx.temporal, ...(ctx.decisionWaitMs ? { waitMs: ctx.decisionWaitMs } : {}) }, operator, withPathKey(body, 'actionId', id)),
);
