import type { Db } from '@airlock/db';
import type { Logger } from '@airlock/telemetry';
import { AuditExporter } from './exporter.js';
import { JsonlFileSink } from './file-sink.js';
import { OtlpLogSink } from './otlp-sink.js';
import type { AuditSink } from './sink.js';

export interface AuditExportSettings {
  AIRLOCK_AUDIT_EXPORT_FILE?: string | undefined;
  AIRLOCK_AUDIT_EXPORT_FILE_MAX_BYTES?: number | undefined;
  AIRLOCK_AUDIT_EXPORT_OTLP_URL?: string | undefined;
  AIRLOCK_AUDIT_EXPORT_BATCH: number;
  AIRLOCK_AUDIT_EXPORT_RETRY_BASE_MS: number;
}

/** One exporter per configured sink, each with its own cursor: a receiver that is down holds up only itself. */
export function auditExportersFromSettings(env: AuditExportSettings, db: Db, logger: Logger): AuditExporter[] {
  const sinks: AuditSink[] = [];
  if (env.AIRLOCK_AUDIT_EXPORT_FILE) {
    sinks.push(
      new JsonlFileSink({ file: env.AIRLOCK_AUDIT_EXPORT_FILE, ...(env.AIRLOCK_AUDIT_EXPORT_FILE_MAX_BYTES ? { maxBytes: env.AIRLOCK_AUDIT_EXPORT_FILE_MAX_BYTES } : {}) }),
    );
  }
  if (env.AIRLOCK_AUDIT_EXPORT_OTLP_URL) sinks.push(new OtlpLogSink({ url: env.AIRLOCK_AUDIT_EXPORT_OTLP_URL }));
  return sinks.map((sink) => new AuditExporter({ db, sink, logger, batchSize: env.AIRLOCK_AUDIT_EXPORT_BATCH, retryBaseMs: env.AIRLOCK_AUDIT_EXPORT_RETRY_BASE_MS }));
}
