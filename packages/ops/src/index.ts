// The use-case layer: every operator action validates, writes and audits in one
// transaction here. REST handlers, console server actions, the CLI and Slack call
// only these. Creating console users lives in `@airlock/ops/accounts` (it loads argon2).
export { type Operator, type OperatorChannel, userOperator } from './operator.js';
export { OpsError, type OpsErrorCode, type OpsIssue } from './errors.js';
export { runUseCase, requireRole, defineUseCase, type UseCase, type OpsDeps } from './use-case.js';
export { operatorForUser } from './operator-lookup.js';

export { createAgent, CreateAgentInput } from './agents/create-agent.js';
export { updateAgent, UpdateAgentInput } from './agents/update-agent.js';
export { disableAgent, DisableAgentInput } from './agents/disable-agent.js';
export { listAgents } from './agents/list-agents.js';
export type { AgentRecord } from './agents/agent-row.js';

export { mintKey, MintKeyInput } from './keys/mint-key.js';
export { rotateKey, RotateKeyInput } from './keys/rotate-key.js';
export { revokeKey, RevokeKeyInput } from './keys/revoke-key.js';
export { listKeys } from './keys/list-keys.js';
export type { KeyRecord, MintedKey } from './keys/key-row.js';

export { changeRole, ChangeRoleInput } from './users/change-role.js';
export { disableUser, DisableUserInput } from './users/disable-user.js';
export { listUsers } from './users/list-users.js';
export { findUser, type UserRecord } from './users/user-row.js';

export { linkSlackUser, LinkSlackUserInput, type SlackLinkRecord } from './slack-links/link-slack-user.js';
export { unlinkSlackUser, UnlinkSlackUserInput } from './slack-links/unlink-slack-user.js';
export { listSlackLinks } from './slack-links/list-slack-links.js';

export { createBudget } from './budgets/create-budget.js';
export { changeBudget, ChangeBudgetInput } from './budgets/change-budget.js';
export { deleteBudget, DeleteBudgetInput } from './budgets/delete-budget.js';

export { grantStandingApproval, GrantStandingApprovalInput, checkGrant, MAX_GRANT_HOURS } from './standing-approvals/grant-standing-approval.js';
export { revokeStandingApproval, RevokeStandingApprovalInput } from './standing-approvals/revoke-standing-approval.js';

export { suspendAndCancel, resumeScope, SuspendInput, ResumeInput, type KillScope, type SuspendResult } from './kill-switch/suspend.js';
export { scopeTarget } from './kill-switch/scope-target.js';

export { checkEditedArgs, decide, DecideInput, DEFAULT_DECISION_WAIT_MS, type DecisionDeps } from './actions/decide.js';
export { approveAndRemember, ApproveAndRememberInput, type RememberedApproval } from './actions/approve-and-remember.js';
export { RememberBound, boundKindsFor, conditionFromBounds, rememberableArgs, type RememberableArg } from './actions/remember-bounds.js';
export { resolveCompensation, ResolveCompensationInput } from './actions/resolve-compensation.js';
export { listPending, type PendingApproval } from './actions/pending.js';
export { personLabel } from './actions/round-closed.js';

export { createWebhook, CreateWebhookInput } from './webhooks/create-webhook.js';
export { removeWebhook, RemoveWebhookInput } from './webhooks/remove-webhook.js';
export { replayDelivery, ReplayDeliveryInput } from './webhooks/replay-delivery.js';
export { listWebhooks, listDeliveries, DeliveryQuery } from './webhooks/list-webhooks.js';
export type { WebhookRecord, CreatedWebhook } from './webhooks/webhook-row.js';
export type { DeliveryRecord } from './webhooks/delivery-row.js';

export { backtestPolicy, BacktestInput, type BacktestReport, type BacktestRow, type Transition } from './policy/backtest.js';
export { compareRecorded, type RecordedAction, type RecordedComparison, type UnknownRead } from './policy/recorded-comparison.js';
export { setShadowPolicy, clearShadowPolicy, readShadowPolicy, SetShadowPolicyInput, ClearShadowPolicyInput, type ShadowPolicyRecord } from './policy/shadow-policy.js';
export { shadowSummary, type ShadowSummary, type ShadowDifferenceRecord } from './policy/shadow-summary.js';
