import { exportEventLine, type ChainRow } from '@airlock/db';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, millisToHrTime, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { AuditSink } from './sink.js';

export interface OtlpSinkOptions {
  /** The OTLP/HTTP logs endpoint, e.g. http://collector:4318/v1/logs. Headers: OTEL_EXPORTER_OTLP_(LOGS_)HEADERS, read by the exporter. */
  url: string;
  timeoutMs?: number;
}

const SCOPE = { name: 'airlock.audit', version: '1' };

/**
 * Each audit event as one OpenTelemetry log record over OTLP/HTTP (JSON):
 * the body is the event's export line (hash and link included, so a SIEM copy
 * can be checked with `airlock audit verify`), attributes carry the fields a
 * SIEM indexes on. A batch counts as delivered only when the receiver answered
 * success; the exporter's own retries (429/502/503/504) run inside that.
 */
export class OtlpLogSink implements AuditSink {
  readonly name = 'otlp';
  private readonly exporter: OTLPLogExporter;
  private readonly resource = new Resource({ 'service.name': 'airlock', 'airlock.stream': 'audit' });

  constructor(options: OtlpSinkOptions) {
    this.exporter = new OTLPLogExporter({ url: options.url, timeoutMillis: options.timeoutMs ?? 10_000 });
  }

  async deliver(rows: readonly ChainRow[]): Promise<void> {
    if (rows.length === 0) return;
    const observed = millisToHrTime(Date.now());
    const records = rows.map((row): ReadableLogRecord => ({
      hrTime: millisToHrTime(Date.parse(row.createdAt)),
      hrTimeObserved: observed,
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: exportEventLine(row),
      resource: this.resource,
      instrumentationScope: SCOPE,
      attributes: {
        'event.name': `airlock.audit.${row.type}`,
        'airlock.audit.seq': row.seq,
        'airlock.audit.type': row.type,
        'airlock.audit.actor': row.actor,
        'airlock.audit.event_key': row.eventKey,
        'airlock.audit.hash': row.hash,
        ...(row.actionId ? { 'airlock.action.id': row.actionId } : {}),
      },
      droppedAttributesCount: 0,
    }));
    const result = await new Promise<ExportResult>((resolve) => this.exporter.export(records, resolve));
    if (result.code !== ExportResultCode.SUCCESS) {
      throw new Error(`OTLP logs export to the receiver failed: ${result.error?.message ?? 'no reason given'}`, { cause: result.error });
    }
  }

  async close(): Promise<void> {
    await this.exporter.shutdown();
  }
}
