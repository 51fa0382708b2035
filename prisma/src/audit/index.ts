export {
  appendAudit,
  appendAuditIn,
  appendAuditWith,
  auditAppendMessage,
  type AuditAppendMessage,
  appendAuditLockedIn,
  auditAppendStatement,
  auditChainLockItems,
  observeAudit,
  reportAppended,
  type AppendedEvent,
  type AuditEventBody,
  type AuditEventInput,
  type AuditObserver,
} from './append.js';
export * from './chain.js';
export { WakeUp } from '@airlock/core/wake-up';
