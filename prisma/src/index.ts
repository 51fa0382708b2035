export { createDb, WARM_CONNECTIONS, type Db, type DbOptions } from './client.js';
export { migrate, readMigrations, MigrationError, MIGRATIONS_DIR } from './migrate.js';
export { assertMigrated, NotMigratedError } from './migrated.js';
export {
  awaitDurable,
  COMMIT_WITHOUT_FLUSH,
  commitWith,
  inOneMessage,
  inTransaction,
  lockName,
  releaseLocksBeforeFlush,
  rollbackWith,
  sqlState,
  type CommitWith,
  type RollbackWith,
} from './governance/transaction.js';
export { inlineParams, sqlLiteral, NulInSqlLiteralError, type SqlValue } from './governance/sql-literals.js';
export * from './audit/index.js';
export { createUser, createAgent, createApiKey, hashApiKey } from './seed.js';
export { userIdByEmail, userRightsByEmail, type UserRightsRow } from './user-by-email.js';
export { findUserByIdOrEmail, toUserRecord, USER_COLUMNS, type UserRecord, type UserRow } from './accounts/user-lookup.js';
export { AccountError, type AccountIssue } from './accounts/account-input.js';
export { Prisma } from '../generated/client.js';
export type { Action, Approval, ApprovalDecision as StoredDecision, AuditEvent, User, Agent } from '../generated/client.js';
export * from './governance/index.js';
export {
  recordPolicyRuntime,
  touchPolicyRuntime,
  removePolicyRuntime,
  listPolicyRuntimes,
  newestLivePolicy,
  POLICY_HEARTBEAT_MS,
  POLICY_RUNTIME_STALE_MS,
  type PolicyRuntime,
} from './policy-runtimes.js';
