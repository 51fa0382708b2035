// @airlock/telemetry: what every Airlock process shares for observability.
// Node-only. The workflow bundle may import only `@airlock/telemetry/attributes`.

export { telemetryEnv, tracingConfig, type TelemetryEnv, type TracingConfig, type LogFormat } from './env.js';
export { createLogger, resolveLogFormat, silentLogger, type Logger, type LoggerOptions, type LogLevel } from './logs/logger.js';
export { temporalLogger } from './logs/temporal.js';
export { CENSORED } from './logs/redaction.js';
export { startTracing, type Tracing } from './tracing/start.js';
export { tracingClientInterceptors } from './tracing/client-interceptors.js';
export { RedactingSpanExporter } from './tracing/redacting-exporter.js';
export { SpanAttribute } from './attributes.js';
