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
export { auditRowHash, auditHashInputV2, GENESIS_HASH, CURRENT_AUDIT_HASH_VERSION, type AuditHashVersion, type HashedAuditFields } from './hash.js';
export { AUDIT_COLUMNS, auditEventFromRow, type AuditRow, type StoredAuditEvent } from './rows.js';
export {
  ChainVerifier,
  prepareCheckpoints,
  type ChainRow,
  type ChainRowHead,
  type ChainVerification,
  type CheckpointSummary,
  type PreparedCheckpoints,
  type SegmentResult,
} from './verifier.js';
export { verifyAuditChain, verifyAuditExport, readCheckpointFile, ExportFormatError, type VerifyOptions } from './verify.js';
export { readChainRows, readChainChunks, countChainRowsByCopy, listCheckpoints } from './read.js';
export { verifyCopySegment } from './segment.js';
export { writeAuditExport, exportEventLine } from './export.js';
export { EXPORT_FORMAT } from './export-format.js';
export { checkpointIfDue, type CheckpointPolicy } from './checkpoints.js';
export {
  checkpointSigner,
  checkpointKeyring,
  checkCheckpointSignature,
  checkpointMessage,
  generateCheckpointKeyPair,
  keyIdOf,
  type AuditCheckpoint,
  type CheckpointKeyring,
  type CheckpointSigner,
} from './signing.js';
export { WakeUp } from '@airlock/core/wake-up';
