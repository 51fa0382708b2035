export { createDb, type Db } from './client.js';
export { migrate, readMigrations, MigrationError, MIGRATIONS_DIR } from './migrate.js';
export { inTransaction, rollbackWith, type RollbackWith } from './governance/transaction.js';
export { appendAudit, appendAuditIn, observeAudit, verifyAuditChain, auditRowHash, auditEventFromRow, AUDIT_COLUMNS, GENESIS_HASH, type AuditRow, type AuditEventInput, type AuditObserver, type StoredAuditEvent, type ChainVerification } from './audit.js';
export { createUser, createAgent, createApiKey, hashApiKey } from './seed.js';
export { Prisma } from '../generated/client.js';
export type { Action, Approval, ApprovalDecision as StoredDecision, AuditEvent, User, Agent } from '../generated/client.js';
export * from './governance/index.js';
