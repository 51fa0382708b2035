import type { ChainRow } from '@airlock/db';

/**
 * Where audit events go outside the database. `deliver` resolves only once the
 * sink holds the rows durably (a file: written and fsynced; OTLP: the receiver
 * answered success) and throws otherwise: the exporter moves its cursor past a
 * batch only after `deliver` resolved, so nothing is skipped.
 */
export interface AuditSink {
  /** Names the cursor (audit_cursors.consumer = `siem:<name>`) and the log lines. */
  readonly name: string;
  deliver(rows: readonly ChainRow[]): Promise<void>;
  close(): Promise<void>;
}
