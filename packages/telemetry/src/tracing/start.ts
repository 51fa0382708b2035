import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../logs/logger.js';
import type { Resource } from '@opentelemetry/resources';
import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../env.js';
import { RedactingSpanExporter } from './redacting-exporter.js';

export interface Tracing {
  tracer: Tracer;
  /** Where finished spans go; the worker hands it the workflow spans made inside the sandbox. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports what is still buffered, then stops: the last step of a shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Tracing for this process when a config is given, else undefined. The SDK is
 * loaded only here, so a process with tracing off never loads it (zero cost).
 * Installs the global context manager and W3C propagator the Temporal
 * interceptors use to carry the trace from client to workflow to activity.
 */
export async function startTracing(config: TracingConfig | undefined, options: { logger?: Logger } = {}): Promise<Tracing | undefined> {
  if (!config) return undefined;
  const [api, core, resources, sdk, asyncHooks, exporter] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/context-async-hooks'),
    otlpExporter(config),
  ]);
  const { logger } = options;
  if (logger) {
    // The SDK reports failed exports (collector down, rejected batch) only through its diagnostics channel.
    const write =
      (level: 'warn' | 'error') =>
      (message: string, ...details: unknown[]) =>
        logger[level]({ component: 'otel', details: details.map((d) => (d instanceof Error ? d.message : String(d))) }, message);
    api.diag.setLogger({ error: write('error'), warn: write('warn'), info: () => undefined, debug: () => undefined, verbose: () => undefined }, api.DiagLogLevel.WARN);
  }
  const resource = resources.Resource.default().merge(new resources.Resource({ 'service.name': config.serviceName }));
  const spanProcessor = new sdk.BatchSpanProcessor(new RedactingSpanExporter(exporter));
  const root: Sampler = config.sampler.endsWith('always_off')
    ? new sdk.AlwaysOffSampler()
    : config.sampler.endsWith('traceidratio')
      ? new sdk.TraceIdRatioBasedSampler(config.samplerRatio)
      : new sdk.AlwaysOnSampler();
  const provider = new sdk.BasicTracerProvider({
    resource,
    sampler: config.sampler.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root,
    spanProcessors: [spanProcessor],
  });
  provider.register({ contextManager: new asyncHooks.AsyncLocalStorageContextManager().enable(), propagator: new core.W3CTraceContextPropagator() });
  return {
    tracer: provider.getTracer('airlock'),
    spanProcessor,
    resource,
    shutdown: () => provider.shutdown(),
  };
}

async function otlpExporter(config: TracingConfig): Promise<SpanExporter> {
  const options = { url: config.url, headers: config.headers };
  if (config.protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(options);
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(options);
}
