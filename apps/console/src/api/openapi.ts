import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  ActionId,
  ActionOutcome,
  ActionLiveStatus,
  CancelResult,
  ActionView,
  AgentList,
  AgentReportBody,
  RunClaimBody,
  RunClaimView,
  AgentSelf,
  AuthorizationQuery,
  AuthorizationRequestBody,
  AuthorizationView,
  PendingAuthorization,
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
  ChainVerificationView,
  DecideResultView,
  DecisionBody,
  ApproveAndRememberBody,
  RememberedApprovalView,
  RememberAcceptedView,
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
  StandingApprovalRevocationView,
  StandingApprovalView,
  SubmitActionBody,
  SubmittedActionView,
  SuspensionList,
  BudgetDeleted,
  ChangeBudgetBody,
  ChangeRoleBody,
  CompensationAccepted,
  CompensationResolutionBody,
  CreateAgentBody,
  CreatedUser,
  CreateUserBody,
  Disabled,
  DisableBody,
  KeyList,
  KeyRevocation,
  MintedKeyView,
  MintKeyBody,
  RotateKeyBody,
  SlackLinkBody,
  SlackLinkList,
  SlackLinkView,
  SlackUnlinked,
  UpdateAgentBody,
  UserList,
  UserView,
} from './schemas.js';
import { openApiRoute, refusesSomeKey, takesNoBody, type ApiRoute, type HandlerRef, type RouteAccess } from './api-route.js';
import { webhookEventDefinitions, webhookRoutes } from './openapi-webhooks.js';
import { policyShadowRoutes } from './openapi-policy-shadow.js';

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

/** Every route that reads a JSON body may answer these (request.ts). */
const bodyErrors = {
  413: json(ErrorBody, 'The body is over 1 MiB (`payload_too_large`)'),
  415: json(ErrorBody, 'A non-empty body without `content-type: application/json` (`unsupported_media_type`)'),
} as const;

/** Every route that documents no body for a method that could carry one refuses a body with anything in it (route-body.ts). */
const noBodyErrors = {
  400: json(ErrorBody, 'A request body with any member: this endpoint takes none (`issues` names each member)'),
  413: bodyErrors[413],
} as const;
/** Every route that documents no query refuses any parameter (route-query.ts). */
const noQueryError = json(ErrorBody, 'A query parameter: this endpoint takes none (`issues` names each)');
const noBodyOrQueryError = json(ErrorBody, 'A request body with any member, or a query parameter: this endpoint takes neither (`issues` names each)');
const NO_BODY_NOTE = 'Takes no request body: send none, an empty one or `{}`. A body with anything in it is refused (400, `this endpoint takes no request body`), never ignored.';

const idParams = z.object({ id: ActionId });
// Who may call a row (api-route.ts): the common cases by name; a role-gated row spells its role out.
const agentKey: RouteAccess = { agents: true };
const anyKey: RouteAccess = { agents: true, users: 'viewer' };
const anyUser: RouteAccess = { users: 'viewer' };
const bearer = [{ apiKey: [] }];
const jsonBody = (schema: z.ZodType) => ({ body: { required: true, content: { 'application/json': { schema } } } });
const readErrors = { 400: errors[400], 401: errors[401], 403: errors[403] } as const;
// What the SDK sends when the caller names the agent (`agentId`): checked against the key's agent.
const agentHeader = z.object({
  'airlock-agent-id': z.string().optional().meta({ description: 'The agent the caller means; 403 unless it is the key’s agent. Leave it out and the key decides.' }),
});

/**
 * The REST API's route table: every route file under app/api/v1 (route-table.unit.test.ts holds the two
 * to each other), its handler, and its OpenAPI operation. The document below is generated from it.
 */
export const apiRoutes: readonly ApiRoute[] = [
  {
    method: 'post',
    path: '/api/v1/actions',
    handler: 'post-action#postAction',
    access: agentKey,
    summary: 'Request an action (agent key)',
    security: bearer,
    request: { headers: agentHeader, ...jsonBody(SubmitActionBody) },
    responses: {
      202: json(SubmittedActionView, 'Accepted: a new action was started'),
      200: json(SubmittedActionView, 'The idempotency key matched an earlier action with the same arguments'),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      409: json(ErrorBody, 'The idempotency key was used before with other arguments, another tool or another requestedBy'),
      503: errors[503],
    },
  },
  {
    method: 'post',
    path: '/api/v1/authorizations',
    handler: 'post-authorization#postAuthorization',
    access: agentKey,
    summary: 'Request a gate-only action: the agent runs the tool itself once authorized (agent key)',
    security: bearer,
    request: { headers: agentHeader, ...jsonBody(AuthorizationRequestBody) },
    responses: {
      202: json(SubmittedActionView, 'Accepted: a new action was started; links.authorization waits for the decision'),
      200: json(SubmittedActionView, 'The idempotency key matched an earlier action with the same arguments'),
      ...errors,
    },
  },
  {
    method: 'get',
    path: '/api/v1/actions/{id}/authorization',
    handler: 'get-authorization#getAuthorization',
    access: anyKey,
    summary: 'Wait for the authorization of a gate-only action (long poll)',
    security: bearer,
    request: { params: idParams, query: AuthorizationQuery, headers: agentHeader },
    responses: {
      200: json(z.union([AuthorizationView, ActionOutcome]), 'Authorized (run the tool with `args`, then report), or the outcome when it ended without one or was reported'),
      202: json(PendingAuthorization, 'Not decided within waitMs; ask again'),
      ...errors,
    },
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/claim',
    handler: 'post-claim#postClaim',
    access: agentKey,
    summary: 'Claim the authorized run of a gate-only action before starting the tool (agent key); another runner’s claim is refused',
    security: bearer,
    request: { params: idParams, ...jsonBody(RunClaimBody) },
    responses: {
      200: json(RunClaimView, 'Claimed by this runner (or this runner again): run the tool, then report'),
      ...errors,
      409: json(
        ErrorBody,
        'Another runner claimed the run first (`conflict`: do not run the tool; it may have run, and its result shows once reported), or the authorization is not usable (`decision_rejected`: not authorized yet, expired, revoked, reported)',
      ),
    },
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/report',
    handler: 'post-report#postReport',
    access: agentKey,
    summary: 'Report the agent’s own run of a gate-only action (agent key); records it and settles the budget',
    security: bearer,
    request: { params: idParams, ...jsonBody(AgentReportBody) },
    responses: {
      200: json(
        ActionOutcome,
        'Recorded (or the same report again): the action’s outcome, with the output or error as stored (a storable form when it could not be stored as sent; see AgentReport)',
      ),
      ...errors,
      409: json(ErrorBody, 'Not authorized yet, expired, other arguments than approved, or a different report already made'),
      413: json(ErrorBody, 'The body is over 16 MiB (`payload_too_large`): a report may be larger than other requests, as the tool has run'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/agents/me',
    handler: 'get-agent-self#getAgentSelf',
    access: agentKey,
    summary: 'The agent of this key and its allowed tools (agent key)',
    security: bearer,
    responses: { 200: json(AgentSelf, 'The agent'), 401: errors[401], 403: errors[403] },
  },
  {
    method: 'get',
    path: '/api/v1/actions/{id}',
    handler: 'get-action#getAction',
    access: anyKey,
    summary: 'Read an action (agents: their own only)',
    security: bearer,
    request: { params: idParams },
    responses: { 200: json(ActionView, 'The action'), 202: json(PendingAction, 'Accepted, not admitted yet'), 401: errors[401], 404: errors[404] },
  },
  {
    method: 'get',
    path: '/api/v1/actions/{id}/outcome',
    handler: 'get-outcome#getOutcome',
    access: anyKey,
    summary: 'Wait for the outcome (long poll)',
    security: bearer,
    request: { params: idParams, query: OutcomeQuery },
    responses: {
      200: json(ActionOutcome, 'The action is done'),
      202: json(PendingOutcome, 'Not done within waitMs; ask again'),
      400: errors[400],
      401: errors[401],
      404: errors[404],
      503: json(ErrorBody, 'Temporal did not answer the wait (`unavailable`); ask again'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/actions/{id}/status',
    handler: 'get-action-status#getActionStatusView',
    access: anyKey,
    summary: 'The live workflow view: phase, classification, approval round (agents: their own only)',
    security: bearer,
    request: { params: idParams },
    responses: { 200: json(ActionLiveStatus, 'The live view'), 401: errors[401], 404: errors[404], 503: errors[503] },
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/cancel',
    handler: 'post-action-cancel#postActionCancel',
    access: { agents: true, users: 'admin', audited: 'action.cancel' },
    summary: 'Cancel an action (agents: their own only; people: admin); audited as `action.cancel_requested`, before the cancellation is sent',
    security: bearer,
    request: { params: idParams },
    responses: {
      202: json(CancelResult, 'Cancellation requested; the outcome will say cancelled unless it finishes first'),
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: json(ErrorBody, 'The action has finished: its outcome stands, nothing was cancelled'),
      503: errors[503],
    },
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/decisions',
    handler: 'post-decision#postDecision',
    access: { users: 'approver', audited: 'action.decide' },
    summary: 'Approve or deny (user key, approver or admin)',
    security: bearer,
    request: { params: idParams, body: { required: true, content: { 'application/json': { schema: DecisionBody } } } },
    responses: {
      200: json(DecideResultView, 'The decision was recorded'),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: json(
        ErrorBody,
        'The workflow refused the decision (self-approval, args hash mismatch, `edit rejected: ...`), or the round was already closed: the message says by whom and how (`this action was already approved by Dana Lee (dana@example.com)`)',
      ),
      503: errors[503],
    },
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/approve-and-remember',
    handler: 'post-approve-and-remember#postApproveAndRemember',
    access: { users: 'approver', audited: 'action.approve_and_remember' },
    summary: 'Approve this action and grant a standing approval scoped from it, audited as both (user key, approver or admin; not the agent’s owner)',
    description:
      'Everything that could refuse the grant is checked before deciding; the grant is then written with the decision, only once the workflow accepted it. ' +
      'A decision the workflow refuses (self-approval, already decided, args hash mismatch) leaves no grant.',
    security: bearer,
    request: { params: idParams, body: { required: true, content: { 'application/json': { schema: ApproveAndRememberBody } } } },
    responses: {
      201: json(RememberedApprovalView, 'Approved, and the standing approval granted'),
      202: json(RememberAcceptedView, 'Approved (the workflow holds it); the decision and the standing approval are stored once its writer gets through'),
      400: json(ErrorBody, 'Invalid body, a bound the argument cannot take (unknown, redacted, wrong kind), naming `bounds.<i>`, or a plan (`tool`: its steps cannot be bound)'),
      401: errors[401],
      403: json(ErrorBody, 'Below approver, below the round’s role or group, or the agent’s owner'),
      404: errors[404],
      409: json(
        ErrorBody,
        'Not awaiting a decision (the message says who closed the round, and how), needs more than one approver, or the workflow refused the decision (self-approval, already decided, args hash mismatch)',
      ),
      503: errors[503],
    },
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/raw-args',
    handler: 'post-raw-args#postRawArgs',
    access: { users: 'admin' },
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
    handler: 'list-approvals#getApprovals',
    access: anyUser,
    summary: 'List approvals; `status` defaults to `open` (awaiting a decision) (user key)',
    security: bearer,
    request: { query: ApprovalListQuery },
    responses: { 200: json(ApprovalList, 'Approvals, nearest deadline first'), 400: errors[400], 401: errors[401], 403: errors[403] },
  },
  {
    method: 'get',
    path: '/api/v1/audit',
    handler: 'list-audit#getAudit',
    access: anyUser,
    summary: 'Page through the audit chain (user key)',
    security: bearer,
    request: { query: AuditQuery },
    responses: { 200: json(AuditPage, 'Events in seq order'), 400: errors[400], 401: errors[401], 403: errors[403] },
  },
  {
    method: 'get',
    path: '/api/v1/audit/verify',
    handler: 'verify-audit#getAuditVerification',
    access: anyUser,
    summary: 'Verify the audit hash chain (user key)',
    security: bearer,
    responses: { 200: json(ChainVerificationView, 'The verification result'), 401: errors[401], 403: errors[403] },
  },
  {
    method: 'post',
    path: '/api/v1/kill-switch',
    handler: 'post-kill-switch#postKillSwitch',
    access: { users: 'admin', audited: 'kill_switch.on' },
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
    handler: 'delete-kill-switch#deleteKillSwitch',
    access: { users: 'admin', audited: 'kill_switch.off' },
    summary: 'Lift the kill switch on one scope and target (user key, admin)',
    security: bearer,
    request: jsonBody(KillSwitchLiftBody),
    responses: { 200: json(KillSwitchLiftResult, 'Lifted, or there was nothing to lift'), ...readErrors },
  },
  {
    method: 'get',
    path: '/api/v1/kill-switch',
    handler: 'list-kill-switches#getKillSwitches',
    access: anyUser,
    summary: 'Kill switches in force (user key)',
    security: bearer,
    responses: { 200: json(SuspensionList, 'Newest first'), 401: errors[401], 403: errors[403] },
  },
  {
    method: 'get',
    path: '/api/v1/standing-approvals',
    handler: 'list-standing-approvals#getStandingApprovals',
    access: anyUser,
    summary: 'List standing approvals (user key)',
    security: bearer,
    request: { query: StandingApprovalQuery },
    responses: { 200: json(StandingApprovalList, 'Newest first'), ...readErrors },
  },
  {
    method: 'post',
    path: '/api/v1/standing-approvals',
    handler: 'post-standing-approval#postStandingApproval',
    access: { users: 'approver', audited: 'standing_approval.grant' },
    summary: 'Grant a standing approval (user key, approver or admin; not the agent’s owner)',
    security: bearer,
    request: jsonBody(StandingApprovalBody),
    responses: {
      201: json(StandingApprovalView, 'Granted'),
      400: json(ErrorBody, 'Invalid body, unknown agent, or a condition that does not compile (with its column)'),
      401: errors[401],
      403: errors[403],
    },
  },
  {
    method: 'post',
    path: '/api/v1/standing-approvals/{id}/revoke',
    handler: 'revoke-standing-approval#postStandingApprovalRevocation',
    access: { users: 'approver', audited: 'standing_approval.revoke' },
    summary: 'Revoke a standing approval at once (user key, approver or admin)',
    security: bearer,
    request: { params: z.object({ id: z.string() }) },
    responses: {
      200: json(StandingApprovalRevocationView, 'Revoked (a repeat changes nothing)'),
      401: errors[401],
      403: errors[403],
      404: json(ErrorBody, 'No standing approval with this id'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/budgets',
    handler: 'list-budgets#getBudgets',
    access: anyUser,
    summary: 'Budgets with the current period’s spent, reserved and remaining (user key)',
    security: bearer,
    request: { query: BudgetQuery },
    responses: { 200: json(BudgetList, 'By scope, target, period and currency'), ...readErrors },
  },
  {
    method: 'post',
    path: '/api/v1/budgets',
    handler: 'post-budget#postBudget',
    access: { users: 'admin', audited: 'budget.create' },
    summary: 'Create a budget (user key, admin)',
    security: bearer,
    request: jsonBody(BudgetBody),
    responses: { 201: json(BudgetView, 'Created'), ...readErrors, 409: json(ErrorBody, 'A budget for this scope, target, period and currency exists') },
  },
  {
    method: 'get',
    path: '/api/v1/agents',
    handler: 'list-agents#getAgents',
    access: anyUser,
    summary: 'Agents with their allowed tools and kill switch state (user key)',
    security: bearer,
    responses: { 200: json(AgentList, 'By id'), 401: errors[401], 403: errors[403] },
  },
  {
    method: 'put',
    path: '/api/v1/agents/{id}/tools',
    handler: 'put-agent-tools#putAgentTools',
    access: { users: 'admin', audited: 'agent.update' },
    summary: 'Replace the tools an agent may request (user key, admin)',
    security: bearer,
    request: { params: z.object({ id: z.string() }), ...jsonBody(AgentToolsBody) },
    responses: { 200: json(AgentView, 'The agent as it is now'), ...readErrors, 404: json(ErrorBody, 'No agent with this id') },
  },
  {
    method: 'post',
    path: '/api/v1/policy/dry-run',
    handler: 'post-policy-dry-run#postPolicyDryRun',
    access: anyUser,
    summary: 'Classify a request with the active policy, without running or recording anything (user key)',
    security: bearer,
    request: jsonBody(PolicyDryRunBody),
    responses: {
      200: json(PolicyDryRunResult, 'The policy’s classification; for a plan (airlock.plan), its steps’ too, combined as admission combines them'),
      400: json(ErrorBody, 'Invalid body, arguments or unknown agent'),
      401: errors[401],
      403: errors[403],
      503: json(ErrorBody, 'The policy file does not load'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/policy',
    handler: 'get-policy#getPolicy',
    access: anyUser,
    summary: 'The active policy: version, file, rule count and text (user key)',
    security: bearer,
    responses: { 200: json(PolicyView, 'The active policy'), 401: errors[401], 403: errors[403], 503: json(ErrorBody, 'The policy file does not load') },
  },
  ...managementRoutes(),
  ...webhookRoutes(),
  ...policyShadowRoutes(),
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    handler: 'get-openapi#getOpenApi',
    access: 'public',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
  },
];

/**
 * Operator management (admin; a refusal is a 403 and an `operator.forbidden` audit row naming the use case, `audited`).
 * Each write is one audit row.
 */
function managementRoutes(): ApiRoute[] {
  const id = (what: string) => ({ params: z.object({ id: z.string().meta({ description: what }) }) });
  const admin = { 401: errors[401], 403: json(ErrorBody, 'Not a user key, or the role is below admin (audited)') } as const;
  const write = {
    400: errors[400],
    ...admin,
    404: json(ErrorBody, 'No such agent, user, key or budget'),
    409: json(ErrorBody, 'Conflicts with the current state; the message says how'),
  } as const;
  const route = (
    method: ApiRoute['method'],
    path: ApiRoute['path'],
    handler: HandlerRef,
    audited: string,
    summary: string,
    request: RouteConfig['request'],
    ok: [number, ResponseConfig],
    responses: Record<number, ResponseConfig> = write,
  ): ApiRoute => ({
    method,
    path,
    handler,
    access: { users: 'admin', audited },
    summary,
    security: bearer,
    ...(request ? { request } : {}),
    responses: { [ok[0]]: ok[1], ...responses },
  });
  return [
    route('post', '/api/v1/agents', 'management/agents#postAgent', 'agent.create', 'Create an agent (admin)', jsonBody(CreateAgentBody), [201, json(AgentView, 'Created')]),
    route(
      'patch',
      '/api/v1/agents/{id}',
      'management/agents#patchAgent',
      'agent.update',
      'Change an agent’s name, team, owner or allowed tools (admin)',
      { ...id('agent id'), ...jsonBody(UpdateAgentBody) },
      [200, json(AgentView, 'The agent as it is now')],
    ),
    route(
      'post',
      '/api/v1/agents/{id}/disable',
      'management/agents#postAgentDisable',
      'agent.disable',
      'Disable an agent: admission refuses it, its keys are revoked (admin)',
      { ...id('agent id'), ...jsonBody(DisableBody) },
      [200, json(Disabled, 'Disabled')],
    ),
    route(
      'get',
      '/api/v1/agents/{id}/keys',
      'management/agents#getAgentKeys',
      'api_key.list',
      'An agent’s API keys, never their secrets (admin)',
      id('agent id'),
      [200, json(KeyList, 'Newest first')],
      { ...admin, 404: json(ErrorBody, 'No agent with this id') },
    ),
    route(
      'post',
      '/api/v1/agents/{id}/keys',
      'management/agents#postAgentKey',
      'api_key.mint',
      'Mint an agent API key; the secret is shown once (admin)',
      { ...id('agent id'), ...jsonBody(MintKeyBody) },
      [201, json(MintedKeyView, 'Minted')],
    ),
    route(
      'post',
      '/api/v1/keys/{id}/rotate',
      'management/keys#postKeyRotation',
      'api_key.rotate',
      'Revoke a key and mint its replacement in one step (admin)',
      { ...id('key id'), ...jsonBody(RotateKeyBody) },
      [201, json(MintedKeyView, 'The replacement')],
    ),
    route('post', '/api/v1/keys/{id}/revoke', 'management/keys#postKeyRevocation', 'api_key.revoke', 'Revoke a key at once (admin)', id('key id'), [
      200,
      json(KeyRevocation, 'Revoked'),
    ]),
    route('get', '/api/v1/users', 'management/users#getUsers', 'user.list', 'Console users (admin)', undefined, [200, json(UserList, 'By id')], admin),
    route('post', '/api/v1/users', 'management/users#postUser', 'user.create', 'Create a user with a one-time password, shown once (admin)', jsonBody(CreateUserBody), [
      201,
      json(CreatedUser, 'Created'),
    ]),
    route('patch', '/api/v1/users/{id}', 'management/users#patchUser', 'user.change_role', 'Change a user’s role (admin)', { ...id('user id'), ...jsonBody(ChangeRoleBody) }, [
      200,
      json(UserView, 'The user as they are now'),
    ]),
    route(
      'post',
      '/api/v1/users/{id}/disable',
      'management/users#postUserDisable',
      'user.disable',
      'Disable a user: keys revoked, sessions ended (admin)',
      { ...id('user id'), ...jsonBody(DisableBody) },
      [200, json(Disabled, 'Disabled')],
    ),
    route('get', '/api/v1/users/{id}/keys', 'management/users#getUserKeys', 'api_key.list', 'A user’s API keys (admin)', id('user id'), [200, json(KeyList, 'Newest first')], {
      ...admin,
      404: json(ErrorBody, 'No user with this id'),
    }),
    route(
      'post',
      '/api/v1/users/{id}/keys',
      'management/users#postUserKey',
      'api_key.mint',
      'Mint a user API key; the secret is shown once (admin)',
      { ...id('user id'), ...jsonBody(MintKeyBody) },
      [201, json(MintedKeyView, 'Minted')],
    ),
    route(
      'get',
      '/api/v1/slack-links',
      'management/slack-links#getSlackLinks',
      'slack_link.list',
      'Slack account → user links (admin)',
      undefined,
      [200, json(SlackLinkList, 'By user')],
      admin,
    ),
    route('post', '/api/v1/slack-links', 'management/slack-links#postSlackLink', 'slack_link.create', 'Link a Slack account to a user (admin)', jsonBody(SlackLinkBody), [
      201,
      json(SlackLinkView, 'Linked'),
    ]),
    route('delete', '/api/v1/slack-links/{id}', 'management/slack-links#deleteSlackLink', 'slack_link.delete', 'Remove a Slack link (admin)', id('Slack user id'), [
      200,
      json(SlackUnlinked, 'Removed'),
    ]),
    route(
      'patch',
      '/api/v1/budgets/{id}',
      'management/budgets#patchBudget',
      'budget.change',
      'Change a budget’s limit or approval threshold (admin)',
      { ...id('budget id'), ...jsonBody(ChangeBudgetBody) },
      [200, json(BudgetView, 'The budget with this period’s usage')],
    ),
    route(
      'delete',
      '/api/v1/budgets/{id}',
      'management/budgets#deleteBudgetRoute',
      'budget.delete',
      'Delete a budget; refused while an action holds a reservation on it (admin)',
      id('budget id'),
      [200, json(BudgetDeleted, 'Deleted')],
    ),
    route(
      'post',
      '/api/v1/actions/{id}/compensations',
      'management/compensations#postCompensationResolution',
      'compensation.resolve',
      'Retry a plan’s failed compensation, or record it fixed by hand (admin)',
      { ...id('action id'), ...jsonBody(CompensationResolutionBody) },
      [200, json(CompensationAccepted, 'Accepted')],
      { ...write, 503: errors[503] },
    ),
  ];
}

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
  for (const row of apiRoutes) {
    const documented = openApiRoute(row);
    // A row that refuses some key answers it 403 (route-access.ts), documented or not.
    const route = refusesSomeKey(row.access) && !(403 in documented.responses) ? { ...documented, responses: { ...documented.responses, 403: errors[403] } } : documented;
    // A row without a query refuses any parameter (route-query.ts): said where the row documents no 400 of its own.
    const noQuery = route.request?.query === undefined;
    if (route.request?.body) registry.registerPath({ ...route, responses: { ...bodyErrors, ...(noQuery ? { 400: noQueryError } : {}), ...route.responses } });
    else if (takesNoBody(row)) {
      const refusals = noQuery ? { ...noBodyErrors, 400: noBodyOrQueryError } : noBodyErrors;
      registry.registerPath({ ...route, description: [route.description, NO_BODY_NOTE].filter(Boolean).join(' '), responses: { ...refusals, ...route.responses } });
    } else registry.registerPath({ ...route, responses: { ...(noQuery ? { 400: noQueryError } : {}), ...route.responses } });
  }
  return new OpenApiGeneratorV31([...registry.definitions, ...webhookEventDefinitions()]).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Airlock API',
      version: '1.0.0',
      description:
        'A durable, auditable human approval gate between AI agents and risky tool calls. Every error is an `Error` body; a method a path does not serve answers 405 `method_not_allowed` with an `Allow` header. ' +
        'An operation that documents no request body takes none: a body with anything in it is a 400 naming each member, not ignored; none, an empty one and `{}` are accepted. ' +
        'Likewise a query parameter an operation does not document is a 400 naming it, not ignored. ' +
        'A path names its record: a body member naming the same key (`id`, `agentId`, `userId`, `actionId`) is a 400, never taken instead. ' +
        'Each operation says who may call it, in its description and as `x-airlock-roles` (`agent` for agent keys, then each user role it takes): any other key is refused 403 `forbidden` right after the key is checked, before its body or query is read.',
    },
  });
}
