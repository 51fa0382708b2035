// The audit chain without appending to it: hashing, reading, verifying, exporting and signing
// checkpoints. An entry of its own (`@airlock/db/audit-chain`) because appending redacts through
// @airlock/guardrails, which a verification or an export never needs to load.
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
