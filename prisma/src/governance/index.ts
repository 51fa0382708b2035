// Governance: budgets, rate limits, standing approvals and kill switches — the data layer the policy and workflow layers call.
export { GovernanceScope, ScopedTarget, TENANT_TARGET } from './scope.js';
export { BudgetPeriod, periodStartOf } from './periods.js';
export { Currency, PositiveMoneyAmount, centsIfValid } from './money.js';
export { createBudget, listBudgets, toBudget, NewBudget, BudgetFilter, BudgetExistsError, type Budget, type BudgetRow, type BudgetWithUsage } from './budgets.js';
export {
  reserveBudget,
  reserveBudgetIn,
  reserveBudgetKnowingCurrenciesIn,
  reserveBudgetsAddedSince,
  reserveBudgetsAddedSinceIn,
  lockBudgetAction,
  lockUsageForMoveIn,
  type ReservationMove,
  type TopUpResult,
  BudgetReservationRequest,
  ReservationReleasedError,
  type BudgetImpact,
  type ReserveResult,
} from './budget-reservations.js';
export { budgetCurrenciesStatement, unreservedBudgetsStatement, budgetCurrenciesFrom } from './budget-currencies.js';
export { commitBudget, commitBudgetIn, releaseBudget, releaseBudgetIn, BudgetCommit, BudgetRelease } from './budget-settlement.js';
export {
  recheckReservation,
  reservationRecheckStatement,
  reservationRecheckFrom,
  holdsReservation,
  ReservationRecheck,
  type RecheckResult,
  type ReservationRecheckRow,
} from './budget-recheck.js';
export { consumeRateLimit, consumeRateLimitIn, rateLimitStatements, rateLimitResultFrom, RateLimitRequest, type RateLimitResult } from './rate-limits.js';
export {
  grantStandingApproval,
  revokeStandingApproval,
  listStandingApprovals,
  activeGrantsFor,
  consumeStandingApproval,
  consumeStandingApprovalIn,
  usableGrantsIn,
  insertStandingApprovalIn,
  grantedAuditPayload,
  grantValidUntil,
  toStandingApproval,
  GRANT_COLUMNS,
  type NewStandingApprovalRow,
  type StandingApprovalSqlRow,
  type UsableGrant,
  StandingApprovalGrant,
  StandingApprovalRevocation,
  StandingApprovalFilter,
  ActiveGrantQuery,
  StandingApprovalConsumption,
  type StandingApproval,
} from './standing-approvals.js';
export {
  suspend,
  resume,
  activeSuspension,
  loadRequester,
  requesterIn,
  requesterStatement,
  requesterFrom,
  type Requester,
  listSuspensions,
  actionsAffectedBy,
  actionsAffectedIn,
  actionsWithStartedRuns,
  holdStartGate,
  inGatedTransaction,
  closeStartGate,
  suspensionIn,
  suspensionStatement,
  suspensionFrom,
  killSwitchReason,
  SuspendRequest,
  ResumeRequest,
  AgentIdentity,
  type ActiveSuspension,
  type KillSwitch,
} from './kill-switch.js';
