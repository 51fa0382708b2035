// The REST entry: no Temporal or Node-only imports, so it runs wherever fetch does.
export {
  Airlock,
  AuthorizationTimeoutError,
  type AgentSelf,
  DEFAULT_CHECK_AUTHORIZATION_TIMEOUT_MS,
  type AuthorizationReadOptions,
  type CheckAuthorizationOptions,
  type ConnectOptions,
} from './airlock.js';
export {
  editedArgsText,
  refusalText,
  type AgentRunReport,
  type AuthorizationRequest,
  type AuthorizationState,
  type RunClaim,
  type RunClaimed,
  type SubmittedAuthorization,
} from './gate.js';
export type { ActionHandle, AgentActionRequest, AgentPlanRequest, AirlockClient, PlanRequest, ToolCallOptions, ToolFunction } from './handle.js';
export { AirlockApiError, isTransient } from './rest-transport.js';
// For adapters built on the client: their options refuse a misspelled field the same way.
export { refuseUnknownFields } from './fields.js';
// For adapters that run a gated tool themselves: its report, sent again through outages, and the run kept until Airlock takes it.
export { AirlockReportError, createRunReports, logReportError, runErrorText, type ReportErrorHandler } from './run-reports.js';
// For adapters that hand a tool's output to the model as text: written whatever the output holds, never thrown on.
export { jsonForModel } from './model-json.js';
export { claimedElsewhereText, newRunnerId, startRun, UnansweredClaims, type RunStart } from './run-start.js';
export { InvalidRequestError, IdempotencyConflictError } from '@airlock/core/portable';
export type { ActionOutcome, ActionRequestInput, ActionStatusView, PlanStep } from '@airlock/core/portable';
