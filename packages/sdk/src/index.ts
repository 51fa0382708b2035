export { Airlock, type ActionHandle, type ConnectOptions } from './airlock.js';
export { InvalidRequestError, IdempotencyConflictError } from '@airlock/core/gateway';
export type { ActionOutcome, ActionRequestInput, ActionStatusView } from '@airlock/core';
