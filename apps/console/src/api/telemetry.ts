import { createLogger, startTracing, tracingConfig, type Logger, type Tracing } from '@airlock/telemetry';
import { observabilityConfig } from '../env.js';

// Kept on globalThis so `next dev` module reloads reuse one logger and one tracer provider.
const holder = globalThis as typeof globalThis & { airlockConsoleLogger?: Logger; airlockConsoleTracing?: Tracing };

/** The console's logger: JSON lines (pretty on a terminal), redacted like every Airlock log. */
export function consoleLogger(): Logger {
  if (!holder.airlockConsoleLogger) {
    const env = observabilityConfig();
    holder.airlockConsoleLogger = createLogger({ name: 'airlock-console', level: env.LOG_LEVEL, format: env.AIRLOCK_LOG_FORMAT });
  }
  return holder.airlockConsoleLogger;
}

/** Called once at server start (instrumentation.ts): tracing when an OTLP endpoint is set. */
export async function startConsoleTelemetry(): Promise<void> {
  const logger = consoleLogger();
  const config = tracingConfig(observabilityConfig(), 'airlock-console');
  if (holder.airlockConsoleTracing || !config) return;
  const tracing = await startTracing(config, { logger });
  if (tracing) holder.airlockConsoleTracing = tracing;
  logger.info(`tracing: spans go to ${config.url} (${config.protocol}) as ${config.serviceName}`);
}

/** The tracing started at server start, if any: its client interceptors carry the trace into workflows. */
export function consoleTracing(): Tracing | undefined {
  return holder.airlockConsoleTracing;
}
