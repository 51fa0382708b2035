export { bundleWorkflows, createAirlockWorker, workflowsPath, workflowInterceptorsPath, type AirlockWorkerOptions, type BundleOptions } from './worker.js';
export { DEFAULT_MAX_CACHED_WORKFLOWS } from './workflow-cache.js';
// The observability parts, for hosts that compose their own worker (and for tests).
export { WorkerMetrics } from './observability/metrics.js';
export { countAuditEvents } from './observability/audit-metrics.js';
export { countSandboxKills, exposeCircuitBreakers } from './observability/tool-metrics.js';
export { exposeWorkerStatus } from './observability/worker-metrics.js';
export { startProbeServer, type ProbeServer, type ProbeServerOptions } from './observability/probe-server.js';
export { databaseReachable, workerRunning, type ReadinessCheck } from './observability/readiness.js';
export { tracingWorkerOptions } from './observability/tracing.js';
export { workerSettings, type WorkerSettings } from './runtime/worker-settings.js';
export { sweepOrphanWorkflows, startOrphanSweeper, type OrphanSweeperOptions, type SweptOrphan } from './orphan-sweeper.js';
export { AuditCheckpointer, checkpointerFromSettings, startAuditCheckpointer, checkpointTickMs, type AuditCheckpointerOptions } from './audit-checkpointer.js';
export { AuditExporter, type AuditExporterOptions } from './audit-export/exporter.js';
export { JsonlFileSink, type FileSinkOptions } from './audit-export/file-sink.js';
export { OtlpLogSink, type OtlpSinkOptions } from './audit-export/otlp-sink.js';
export { auditExportersFromSettings, type AuditExportSettings } from './audit-export/settings.js';
export type { AuditSink } from './audit-export/sink.js';
export { consoleBuildNeeded } from './launcher/console-app.js';
