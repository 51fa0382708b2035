// The framework-free REST API: handlers take a web Request and an ApiContext,
// so tests (and any other host) call them without Next.js.
export type { ApiContext } from './server/context.js';
export { policyFromFile, livePolicy, type PolicySource, type ActivePolicy } from './server/policy.js';
export { postAction } from './server/handlers/post-action.js';
export { getAction } from './server/handlers/get-action.js';
export { getOutcome } from './server/handlers/get-outcome.js';
export { getActionStatusView } from './server/handlers/get-action-status.js';
export { postActionCancel } from './server/handlers/post-action-cancel.js';
export { postAuthorization } from './server/handlers/post-authorization.js';
export { getAuthorization } from './server/handlers/get-authorization.js';
export { postReport } from './server/handlers/post-report.js';
export { getAgentSelf } from './server/handlers/get-agent-self.js';
export { postDecision } from './server/handlers/post-decision.js';
export { postApproveAndRemember } from './server/handlers/post-approve-and-remember.js';
export { postRawArgs } from './server/handlers/post-raw-args.js';
export { getApprovals } from './server/handlers/list-approvals.js';
export { getAudit } from './server/handlers/list-audit.js';
export { getAuditVerification } from './server/handlers/verify-audit.js';
export { postKillSwitch } from './server/handlers/post-kill-switch.js';
export { deleteKillSwitch } from './server/handlers/delete-kill-switch.js';
export { getKillSwitches } from './server/handlers/list-kill-switches.js';
export { getStandingApprovals } from './server/handlers/list-standing-approvals.js';
export { postStandingApproval } from './server/handlers/post-standing-approval.js';
export { postStandingApprovalRevocation } from './server/handlers/revoke-standing-approval.js';
export { getBudgets } from './server/handlers/list-budgets.js';
export { postBudget } from './server/handlers/post-budget.js';
export { getAgents } from './server/handlers/list-agents.js';
export { putAgentTools } from './server/handlers/put-agent-tools.js';
export { postPolicyDryRun } from './server/handlers/post-policy-dry-run.js';
export { getPolicy } from './server/handlers/get-policy.js';
export { getOpenApi } from './server/handlers/get-openapi.js';
export { getMetrics } from './server/handlers/get-metrics.js';
export { unknownEndpoint } from './server/handlers/not-found.js';
export { apiRoutes, openApiDocument } from './server/openapi.js';
export type { ApiRoute, HandlerRef, HttpMethod } from './server/api-route.js';
export * as schemas from './server/schemas.js';

// The console's own read paths and pure helpers (no Next.js request scope), for tests and benchmarks.
export * as consoleQueries from './console/queries.js';
export { policyRuntimesOverview } from './console/policy-runtimes.js';

// Operator management: every handler calls one use case of @airlock/ops.
export { postAgent, patchAgent, postAgentDisable, getAgentKeys, postAgentKey } from './server/handlers/management/agents.js';
export { postKeyRotation, postKeyRevocation } from './server/handlers/management/keys.js';
export { getUsers, postUser, patchUser, postUserDisable, getUserKeys, postUserKey } from './server/handlers/management/users.js';
export { getSlackLinks, postSlackLink, deleteSlackLink } from './server/handlers/management/slack-links.js';
export { patchBudget, deleteBudgetRoute } from './server/handlers/management/budgets.js';
export { postCompensationResolution } from './server/handlers/management/compensations.js';
export { getWebhooks, postWebhook, deleteWebhook, getDeliveries, postReplay } from './server/handlers/management/webhooks.js';
export * as webhookSchemas from './server/webhook-schemas.js';
export { postPolicyBacktest, getShadowSummary, putShadowPolicy, deleteShadowPolicy } from './server/handlers/management/policy-shadow.js';
export * as policyShadowSchemas from './server/policy-shadow-schemas.js';
