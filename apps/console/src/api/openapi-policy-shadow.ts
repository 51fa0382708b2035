import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import type { ApiRoute } from './api-route.js';
import { ErrorBody } from './schemas.js';
import { BacktestBody, BacktestReportView, SetShadowBody, ShadowCleared, ShadowPolicyView, ShadowSummaryView } from './policy-shadow-schemas.js';

const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });

/** Policy backtest (any user) and shadow mode (set and clear: admin, each one audit row). */
export function policyShadowRoutes(): ApiRoute[] {
  const security = [{ apiKey: [] }];
  const user = { 401: json(ErrorBody, 'Missing, unknown or revoked API key'), 403: json(ErrorBody, 'Not a user key') };
  const admin = { ...user, 403: json(ErrorBody, 'Not a user key, or the role is below admin (audited)') };
  const invalid = { 400: json(ErrorBody, 'Invalid body, or a policy that does not compile; `issues` names each problem') };
  const body = (schema: z.ZodType) => ({ body: { required: true, content: { 'application/json': { schema } } } });
  return [
    {
      method: 'post',
      path: '/api/v1/policy/backtest',
      handler: 'management/policy-shadow#postPolicyBacktest',
      access: { users: 'viewer' },
      summary: 'Re-evaluate the recorded actions of a window under a candidate policy: what would change (user key; records nothing)',
      security,
      request: body(BacktestBody),
      responses: {
        200: json(BacktestReportView, 'The differences, with uncertain answers kept apart'),
        ...invalid,
        ...user,
        503: json(ErrorBody, 'The live policy does not load'),
      },
    },
    {
      method: 'get',
      path: '/api/v1/policy/shadow',
      handler: 'management/policy-shadow#getShadowSummary',
      access: { users: 'viewer' },
      summary: 'Shadow mode: the candidate in shadow and where it disagreed with the live policy (user key)',
      security,
      responses: { 200: json(ShadowSummaryView, 'The summary'), ...user },
    },
    {
      method: 'put',
      path: '/api/v1/policy/shadow',
      handler: 'management/policy-shadow#putShadowPolicy',
      access: { users: 'admin', audited: 'policy.shadow.set' },
      summary: 'Put a candidate policy in shadow: workers evaluate it beside the live one and record only differences (admin)',
      security,
      request: body(SetShadowBody),
      responses: { 200: json(ShadowPolicyView, 'In shadow (replacing any other candidate)'), ...invalid, ...admin },
    },
    {
      method: 'delete',
      path: '/api/v1/policy/shadow',
      handler: 'management/policy-shadow#deleteShadowPolicy',
      access: { users: 'admin', audited: 'policy.shadow.clear' },
      summary: 'Stop shadow evaluation; recorded differences stay (admin)',
      security,
      responses: { 200: json(ShadowCleared, 'Cleared (a repeat changes nothing)'), ...admin },
    },
  ];
}
