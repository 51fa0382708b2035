export { createDb, WARM_CONNECTIONS, type Db, type DbOptions } from './client.js';
export { preparedStatementText, setStatementMode, statementMode, type StatementMode } from './governance/prepared-statements.js';
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
export { createUser, createAgent, createApiKey } from './seed.js';
export { hashApiKey } from './api-key-hash.js';
export { userIdByEmail, userRightsByEmail, type UserRightsRow } from './user-by-email.js';
export { approverStandingNow, approverStandingNowByAction, type PersonStandingNow, type RoundStandingNow, type StandingNow } from './approver-standing-now.js';
export * from './accounts/users.js';
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
