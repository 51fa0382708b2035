import { backtestPolicy, clearShadowPolicy, runUseCase, setShadowPolicy, shadowSummary } from '@airlock/ops';
import { operatorRoute } from '../../operator-route.js';

/** POST /api/v1/policy/backtest (user key, any role): the recorded actions under a candidate policy. Records nothing. */
export const postPolicyBacktest = operatorRoute('management/policy-shadow#postPolicyBacktest', async (ctx, _operator, body) => {
  const { policy } = await ctx.policy.read();
  return backtestPolicy(ctx.db, policy, body);
});

/** GET /api/v1/policy/shadow (user key, any role): what shadow mode recorded for the current (or last) candidate. */
export const getShadowSummary = operatorRoute('management/policy-shadow#getShadowSummary', async (ctx) => shadowSummary(ctx.db), { body: false });

/** PUT /api/v1/policy/shadow (admin): put a candidate in shadow (validated, written and audited together). */
export const putShadowPolicy = operatorRoute('management/policy-shadow#putShadowPolicy', (ctx, operator, body) => runUseCase(ctx, operator, setShadowPolicy, body));

/** DELETE /api/v1/policy/shadow (admin): stop shadow evaluation; what was recorded stays. */
export const deleteShadowPolicy = operatorRoute('management/policy-shadow#deleteShadowPolicy', (ctx, operator) => runUseCase(ctx, operator, clearShadowPolicy, {}), {
  body: false,
});
