// The framework-free REST API: handlers take a web Request and an ApiContext,
// so tests (and any other host) call them without Next.js.
export type { ApiContext } from './api/context.js';
export { AuditFeed } from './api/audit-feed.js';
export { policyFromFile, livePolicy, type PolicySource, type ActivePolicy } from './api/policy.js';
export { postAction } from './api/handlers/post-action.js';
export { forecastApproval } from './api/approval-forecast.js';
export { getAction } from './api/handlers/get-action.js';
export { getOutcome } from './api/handlers/get-outcome.js';
export { getActionStatusView } from './api/handlers/get-action-status.js';
export { postActionCancel } from './api/handlers/post-action-cancel.js';
export { postAuthorization } from './api/handlers/post-authorization.js';
export { getAuthorization } from './api/handlers/get-authorization.js';
export { MAX_REPORT_BODY_BYTES, postReport } from './api/handlers/post-report.js';
export { postClaim } from './api/handlers/post-claim.js';
export { getAgentSelf } from './api/handlers/get-agent-self.js';
export { postDecision } from './api/handlers/post-decision.js';
export { postApproveAndRemember } from './api/handlers/post-approve-and-remember.js';
export { postRawArgs } from './api/handlers/post-raw-args.js';
export { getApprovals } from './api/handlers/list-approvals.js';
export { getAudit } from './api/handlers/list-audit.js';
export { getAuditVerification } from './api/handlers/verify-audit.js';
export { postKillSwitch } from './api/handlers/post-kill-switch.js';
export { deleteKillSwitch } from './api/handlers/delete-kill-switch.js';
export { getKillSwitches } from './api/handlers/list-kill-switches.js';
export { getStandingApprovals } from './api/handlers/list-standing-approvals.js';
export { postStandingApproval } from './api/handlers/post-standing-approval.js';
export { postStandingApprovalRevocation } from './api/handlers/revoke-standing-approval.js';
export { getBudgets } from './api/handlers/list-budgets.js';
export { postBudget } from './api/handlers/post-budget.js';
export { getAgents } from './api/handlers/list-agents.js';
export { putAgentTools } from './api/handlers/put-agent-tools.js';
export { postPolicyDryRun } from './api/handlers/post-policy-dry-run.js';
export { getPolicy } from './api/handlers/get-policy.js';
export { getOpenApi } from './api/handlers/get-openapi.js';
export { getMetrics } from './api/handlers/get-metrics.js';
export { unknownEndpoint } from './api/handlers/not-found.js';
export { apiRoutes, openApiDocument } from './api/openapi.js';
// The route layer Next.js runs before each handler (the row's access, then its body rule), for hosts that call handlers directly.
export { routed } from './api/route-layer.js';
export type { ApiRoute, HandlerRef, RouteAccess, RouteMethod } from './api/api-route.js';
export { admittedRoles } from './api/api-route.js';
export * as schemas from './api/schemas.js';

// The console's own read paths and pure helpers (no Next.js request scope), for tests and benchmarks.
export * as consoleQueries from './ui/queries.js';
export { policyRuntimesOverview } from './ui/policy/runtimes.js';

// Operator management: every handler calls one use case of @airlock/ops.
export { postAgent, patchAgent, postAgentDisable, getAgentKeys, postAgentKey } from './api/handlers/management/agents.js';
export { postKeyRotation, postKeyRevocation } from './api/handlers/management/keys.js';
export { getUsers, postUser, patchUser, postUserDisable, getUserKeys, postUserKey } from './api/handlers/management/users.js';
export { getSlackLinks, postSlackLink, deleteSlackLink } from './api/handlers/management/slack-links.js';
export { patchBudget, deleteBudgetRoute } from './api/handlers/management/budgets.js';
export { postCompensationResolution } from './api/handlers/management/compensations.js';
export { getWebhooks, postWebhook, deleteWebhook, getDeliveries, postReplay } from './api/handlers/management/webhooks.js';
export * as webhookSchemas from './api/webhook-schemas.js';
export { postPolicyBacktest, getShadowSummary, putShadowPolicy, deleteShadowPolicy } from './api/handlers/management/policy-shadow.js';
export * as policyShadowSchemas from './api/policy-shadow-schemas.js';
