import { backtestPolicy, clearShadowPolicy, requireRole, runUseCase, setShadowPolicy, shadowSummary } from '@airlock/ops';
import { operatorRoute } from '../../operator-route.js';

/** POST /api/v1/policy/backtest (user key, any role): the recorded actions under a candidate policy. Records nothing. */
export const postPolicyBacktest = operatorRoute(async (ctx, operator, body) => {
  await requireRole(ctx, operator, 'viewer', 'policy.backtest');
  const { policy } = await ctx.policy.read();
  return backtestPolicy(ctx.db, policy, body);
});

/** GET /api/v1/policy/shadow (user key, any role): what shadow mode recorded for the current (or last) candidate. */
export const getShadowSummary = operatorRoute(
  async (ctx, operator) => {
    await requireRole(ctx, operator, 'viewer', 'policy.shadow.summary');
    return shadowSummary(ctx.db);
  },
  { body: false },
);

/** PUT /api/v1/policy/shadow (admin): put a candidate in shadow (validated, written and audited together). */
export const putShadowPolicy = operatorRoute((ctx, operator, body) => runUseCase(ctx, operator, setShadowPolicy, body));

/** DELETE /api/v1/policy/shadow (admin): stop shadow evaluation; what was recorded stays. */
export const deleteShadowPolicy = operatorRoute((ctx, operator) => runUseCase(ctx, operator, clearShadowPolicy, {}), { body: false });
