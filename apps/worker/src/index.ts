export { bundleWorkflows, createAirlockWorker, workflowsPath, workflowInterceptorsPath, type AirlockWorkerOptions, type BundleOptions } from './worker.js';
// The observability parts, for hosts that compose their own worker (and for tests).
export { WorkerMetrics } from './observability/metrics.js';
export { countAuditEvents } from './observability/audit-metrics.js';
export { countSandboxKills, exposeCircuitBreakers } from './observability/tool-metrics.js';
export { exposeWorkerStatus } from './observability/worker-metrics.js';
export { startProbeServer, type ProbeServer, type ProbeServerOptions } from './observability/probe-server.js';
export { databaseReachable, workerRunning, type ReadinessCheck } from './observability/readiness.js';
export { tracingWorkerOptions } from './observability/tracing.js';
