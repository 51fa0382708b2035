import { z } from 'zod';

// The standard OpenTelemetry variables Airlock honours (the subset that makes
// sense for traces over OTLP/HTTP), plus the log format. Parsed once with the
// rest of each app's env; the exporter gets explicit values from here.

const OtlpProtocol = z.enum(['http/protobuf', 'http/json'], {
  error: () => "must be http/protobuf or http/json (OTLP over gRPC is not supported: use the collector's HTTP port, usually 4318)",
});

/** `key1=value1,key2=value2` with URL-encoded values, as the OpenTelemetry spec defines it. */
const OtlpHeaders = z.string().transform((text, ctx) => {
  const headers: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at).trim() : '';
    if (!key) {
      ctx.addIssue({ code: 'custom', message: 'must be key=value pairs separated by commas' });
      return z.NEVER;
    }
    try {
      headers[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `the value of ${key} is not valid URL encoding` });
      return z.NEVER;
    }
  }
  return headers;
});

const Sampler = z.enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']);

export const telemetryEnv = z.object({
  OTEL_SDK_DISABLED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('true = no tracing even with an endpoint set'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional().describe('OTLP/HTTP base URL (traces go to <url>/v1/traces); unset = tracing off, at no cost'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional().describe('the full traces URL; wins over OTEL_EXPORTER_OTLP_ENDPOINT'),
  OTEL_EXPORTER_OTLP_PROTOCOL: OtlpProtocol.default('http/protobuf'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: OtlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: OtlpHeaders.optional().describe('e.g. authorization=Bearer%20…, sent with every export'),
  OTEL_SERVICE_NAME: z.string().min(1).optional().describe("unset = the process's own name (airlock-worker, airlock-console, airlock-slack)"),
  OTEL_TRACES_SAMPLER: Sampler.default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional().describe('the ratio for the traceidratio samplers'),
  AIRLOCK_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto').describe('auto = pretty on a terminal, JSON lines otherwise'),
});
export type TelemetryEnv = z.infer<typeof telemetryEnv>;

export type LogFormat = TelemetryEnv['AIRLOCK_LOG_FORMAT'];
export type TracesSampler = z.infer<typeof Sampler>;

/** What `startTracing` needs; undefined means tracing is off. */
export interface TracingConfig {
  serviceName: string;
  /** The OTLP/HTTP traces URL. */
  url: string;
  protocol: z.infer<typeof OtlpProtocol>;
  headers: Record<string, string>;
  sampler: TracesSampler;
  samplerRatio: number;
}

export function tracingConfig(env: TelemetryEnv, defaultServiceName: string): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED) return undefined;
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT && `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (!url) return undefined;
  return {
    serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName,
    url,
    protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: env.OTEL_EXPORTER_OTLP_HEADERS ?? {},
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG ?? 1,
  };
}
