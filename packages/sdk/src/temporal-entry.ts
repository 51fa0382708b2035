// `@airlock/sdk/temporal`: Temporal-direct, for trusted in-cluster services (see AirlockTemporal).
export { AirlockTemporal, connectTemporal, type TemporalConnectOptions } from './temporal.js';
export type { ActionHandle, AirlockClient, PlanRequest, ToolCallOptions, ToolFunction } from './handle.js';
export { InvalidRequestError, IdempotencyConflictError } from '@airlock/core/portable';
export type { ActionOutcome, ActionRequestInput, ActionStatusView, PlanStep } from '@airlock/core/portable';
