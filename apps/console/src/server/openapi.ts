import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  ActionId,
  ActionOutcome,
  ActionView,
  AgentList,
  AgentToolsBody,
  AgentView,
  ApprovalList,
  ApprovalListQuery,
  AuditPage,
  AuditQuery,
  BudgetBody,
  BudgetList,
  BudgetQuery,
  BudgetView,
  ChainVerification,
  DecideResult,
  DecisionBody,
  ErrorBody,
  KillSwitchBody,
  KillSwitchLiftBody,
  KillSwitchLiftResult,
  KillSwitchResult,
  OutcomeQuery,
  PendingAction,
  PendingOutcome,
  PolicyDryRunBody,
  PolicyDryRunResult,
  PolicyView,
  RawArgsView,
  StandingApprovalBody,
  StandingApprovalList,
  StandingApprovalQuery,
  StandingApprovalRevocation,
  StandingApprovalView,
  SubmitActionBody,
  SubmittedAction,
  SuspensionList,
} from './schemas.js';

type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });

const errors = {
  400: json(ErrorBody, 'Invalid JSON, body or query; `issues` names each field'),
  401: json(ErrorBody, 'Missing, unknown or revoked API key'),
  403: json(ErrorBody, 'The key is of the wrong kind (agent / user) or its role is too low'),
  404: json(ErrorBody, 'No such action, or not visible to this agent'),
  409: json(ErrorBody, 'Conflict; the message gives the reason'),
  503: json(ErrorBody, 'Temporal, or a worker, did not answer in time; try again'),
} as const;

const idParams = z.object({ id: ActionId });
const bearer = [{ apiKey: [] }];
const jsonBody = (schema: z.ZodType) => ({ body: { required: true, content: { 'application/json': { schema } } } });
const readErrors = { 400: errors[400], 401: errors[401], 403: errors[403] } as const;

const routes: RouteConfig[] = [
  {
    method: 'post',
    path: '/api/v1/actions',
    summary: 'Request an action (agent key)',
    security: bearer,
    request: { body: { required: true, content: { 'application/json': { schema: SubmitActionBody } } } },
    responses: {
      202: json(SubmittedAction, 'Accepted: a new action was started'),
      200: json(SubmittedAction, 'The idempotency key matched an earlier action with the same arguments'),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      409: json(ErrorBody, 'The idempotency key was used before with other arguments'),
      503: errors[503],
    },
  },
  {
    method: 'get',
    path: '/api/v1/actions/{id}',
    summary: 'Read an action (agents: their own only)',
    security: bearer,
    request: { params: idParams },
    responses: { 200: json(ActionView, 'The action'), 202: json(PendingAction, 'Accepted, not admitted yet'), 401: errors[401], 404: errors[404] },
  },
  {
    method: 'get',
    path: '/api/v1/actions/{id}/outcome',
    summary: 'Wait for the outcome (long poll)',
    security: bearer,
    request: { params: idParams, query: OutcomeQuery },
    responses: {
      200: json(ActionOutcome, 'The action is done'),
      202: json(PendingOutcome, 'Not done within waitMs; ask again'),
      400: errors[400],
      401: errors[401],
      404: errors[404],
    },
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/decisions',
    summary: 'Approve or deny (user key, approver or admin)',
    security: bearer,
    request: { params: idParams, body: { required: true, content: { 'application/json': { schema: DecisionBody } } } },
    responses: {
      200: json(DecideResult, 'The decision was recorded'),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: json(ErrorBody, 'The workflow refused the decision (self-approval, already decided, args hash mismatch, closed, `edit rejected: ...`)'),
      503: errors[503],
    },
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/raw-args',
    summary: 'Reveal the raw, unredacted arguments (user key, admin); an `action.args_revealed` audit row is written first',
    security: bearer,
    request: { params: idParams },
    responses: {
      200: json(RawArgsView, 'The arguments as the agent sent them'),
      401: errors[401],
      403: errors[403],
      404: json(ErrorBody, 'No such action, or Temporal no longer keeps its workflow history'),
      503: json(ErrorBody, 'Temporal did not answer, or this console cannot decrypt the workflow input (AIRLOCK_PAYLOAD_KEYS)'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/approvals',
    summary: 'List approvals, pending by default (user key)',
    security: bearer,
    request: { query: ApprovalListQuery },
    responses: { 200: json(ApprovalList, 'Approvals, nearest deadline first'), 400: errors[400], 401: errors[401], 403: errors[403] },
  },
  {
    method: 'get',
    path: '/api/v1/audit',
    summary: 'Page through the audit chain (user key)',
    security: bearer,
    request: { query: AuditQuery },
    responses: { 200: json(AuditPage, 'Events in seq order'), 400: errors[400], 401: errors[401], 403: errors[403] },
  },
  {
    method: 'get',
    path: '/api/v1/audit/verify',
    summary: 'Verify the audit hash chain (user key)',
    security: bearer,
    responses: { 200: json(ChainVerification, 'The verification result'), 401: errors[401], 403: errors[403] },
  },
  {
    method: 'post',
    path: '/api/v1/kill-switch',
    summary: 'Stop an agent, a team or the tenant: deny new actions, cancel live ones (user key, admin)',
    security: bearer,
    request: jsonBody(KillSwitchBody),
    responses: {
      200: json(KillSwitchResult, 'The switch is in force (the one already in force, if any) and live actions were asked to cancel'),
      ...readErrors,
      404: json(ErrorBody, 'No agent with this id'),
      503: errors[503],
    },
  },
  {
    method: 'delete',
    path: '/api/v1/kill-switch',
    summary: 'Lift the kill switch on one scope and target (user key, admin)',
    security: bearer,
    request: jsonBody(KillSwitchLiftBody),
    responses: { 200: json(KillSwitchLiftResult, 'Lifted, or there was nothing to lift'), ...readErrors },
  },
  {
    method: 'get',
    path: '/api/v1/kill-switch',
    summary: 'Kill switches in force (user key)',
    security: bearer,
    responses: { 200: json(SuspensionList, 'Newest first'), 401: errors[401], 403: errors[403] },
  },
  {
    method: 'get',
    path: '/api/v1/standing-approvals',
    summary: 'List standing approvals (user key)',
    security: bearer,
    request: { query: StandingApprovalQuery },
    responses: { 200: json(StandingApprovalList, 'Newest first'), ...readErrors },
  },
  {
    method: 'post',
    path: '/api/v1/standing-approvals',
    summary: 'Grant a standing approval (user key, approver or admin; not the agent’s owner)',
    security: bearer,
    request: jsonBody(StandingApprovalBody),
    responses: { 201: json(StandingApprovalView, 'Granted'), 400: json(ErrorBody, 'Invalid body, unknown agent, or a condition that does not compile (with its column)'), 401: errors[401], 403: errors[403] },
  },
  {
    method: 'post',
    path: '/api/v1/standing-approvals/{id}/revoke',
    summary: 'Revoke a standing approval at once (user key, approver or admin)',
    security: bearer,
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: json(StandingApprovalRevocation, 'Revoked (a repeat changes nothing)'), 401: errors[401], 403: errors[403], 404: json(ErrorBody, 'No standing approval with this id') },
  },
  {
    method: 'get',
    path: '/api/v1/budgets',
    summary: 'Budgets with the current period’s spent, reserved and remaining (user key)',
    security: bearer,
    request: { query: BudgetQuery },
    responses: { 200: json(BudgetList, 'By scope, target, period and currency'), ...readErrors },
  },
  {
    method: 'post',
    path: '/api/v1/budgets',
    summary: 'Create a budget (user key, admin)',
    security: bearer,
    request: jsonBody(BudgetBody),
    responses: { 201: json(BudgetView, 'Created'), ...readErrors, 409: json(ErrorBody, 'A budget for this scope, target, period and currency exists') },
  },
  {
    method: 'get',
    path: '/api/v1/agents',
    summary: 'Agents with their allowed tools and kill switch state (user key)',
    security: bearer,
    responses: { 200: json(AgentList, 'By id'), 401: errors[401], 403: errors[403] },
  },
  {
    method: 'put',
    path: '/api/v1/agents/{id}/tools',
    summary: 'Replace the tools an agent may request (user key, admin)',
    security: bearer,
    request: { params: z.object({ id: z.string() }), ...jsonBody(AgentToolsBody) },
    responses: { 200: json(AgentView, 'The agent as it is now'), ...readErrors, 404: json(ErrorBody, 'No agent with this id') },
  },
  {
    method: 'post',
    path: '/api/v1/policy/dry-run',
    summary: 'Classify a request with the active policy, without running or recording anything (user key)',
    security: bearer,
    request: jsonBody(PolicyDryRunBody),
    responses: { 200: json(PolicyDryRunResult, 'The policy’s classification'), 400: json(ErrorBody, 'Invalid body, arguments or unknown agent'), 401: errors[401], 403: errors[403], 503: json(ErrorBody, 'The policy file does not load') },
  },
  {
    method: 'get',
    path: '/api/v1/policy',
    summary: 'The active policy: version, file, rule count and text (user key)',
    security: bearer,
    responses: { 200: json(PolicyView, 'The active policy'), 401: errors[401], 403: errors[403], 503: json(ErrorBody, 'The policy file does not load') },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
  },
];

let cached: OpenApiDocument | undefined;

/** Generated once per process from the schemas the handlers validate with. */
export function openApiDocument(): OpenApiDocument {
  cached ??= generate();
  return cached;
}

function generate(): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An Airlock API key (`alk_...`): an agent key to request actions, a user key to read approvals, decide and audit',
  });
  for (const route of routes) registry.registerPath(route);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Airlock API',
      version: '1.0.0',
      description: 'A durable, auditable human approval gate between AI agents and risky tool calls.',
    },
  });
}
