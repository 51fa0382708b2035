import { Writable } from 'node:stream';
import { CENSORED, createLogger, RedactingSpanExporter, telemetryEnv, temporalLogger, tracingConfig, type Logger } from '@airlock/telemetry';
import { describe, expect, it } from 'vitest';

// Log lines and exported spans never carry secrets, PII or tool arguments.

type SpanExporter = ConstructorParameters<typeof RedactingSpanExporter>[0];
type ReadableSpan = Parameters<SpanExporter['export']>[0][number];

const SLACK_TOKEN = 'xoxb-1234567890-abcdefghijklmnop';
const API_KEY = 'alk_0123456789abcdefghijklmnopqrstuvwxyzABCD';

function capture(format: 'json' | 'pretty' = 'json'): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ name: 'airlock-test', level: 'debug', format, destination }), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const parsed = (line: string | undefined) => JSON.parse(line ?? '{}') as Record<string, unknown>;

describe('logs', () => {
  it('censor arguments and payloads, redact credential fields and sensitive text, keep the rest', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        actionId: 'a-1',
        args: { amount: '125.00', note: 'anything' },
        request: { args: { to: 'bob@example.com' }, payload: { x: 1 } },
        apiKey: API_KEY,
        password: 'hunter2',
        token: 'plain-token-value',
        headers: { authorization: 'Bearer abcdefghijklmnopqrstuvwxyz' },
        reason: 'customer carol@example.com asked',
      },
      `posted with ${SLACK_TOKEN} for dave@example.com`,
    );
    const [line] = lines();
    expect(line).not.toMatch(/125\.00|bob@|carol@|dave@|hunter2|plain-token-value|abcdefghijklmnopqrstuvwxyz/);
    expect(line).not.toContain(SLACK_TOKEN);
    expect(line).not.toContain(API_KEY);
    expect(parsed(line)).toMatchObject({
      level: 'info',
      name: 'airlock-test',
      actionId: 'a-1',
      args: CENSORED,
      request: { args: CENSORED, payload: CENSORED },
      apiKey: '[REDACTED:secret]',
      password: '[REDACTED:secret]',
      token: '[REDACTED:secret]',
      headers: { authorization: '[REDACTED:secret]' },
      reason: 'customer [REDACTED:email] asked',
      msg: 'posted with [REDACTED:secret] for [REDACTED:email]',
    });
  });

  it('redact error messages and stacks', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error(`refund to card 4111 1111 1111 1111 failed with ${API_KEY}`) }, 'tool failed');
    const { err } = parsed(lines()[0]) as { err: { message: string; stack: string; type: string } };
    expect(err.type).toBe('Error');
    expect(err.message).toBe('refund to card [REDACTED:card] failed with [REDACTED:secret]');
    expect(err.stack).not.toContain('4111');
    expect(err.stack).not.toContain(API_KEY);
  });

  it('write plain lines for a person when asked, redacted the same way', () => {
    const { logger, lines } = capture('pretty');
    logger.child({ component: 'slack' }).warn({ channel: 'C1', apiKey: API_KEY }, 'posted for bob@example.com');
    expect(lines()).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[slack\] posted for \[REDACTED:email\] channel=C1 apiKey=\[REDACTED:secret\]$/)]);
  });

  it("carry the Temporal SDK's messages with their metadata at the matching level", () => {
    const { logger, lines } = capture();
    const temporal = temporalLogger(logger);
    temporal.log('WARN', 'Activity failed', { activityType: 'runTool', workflowId: 'action-x', sdkComponent: 'worker' });
    temporal.trace('not shown at debug');
    expect(lines()).toHaveLength(1);
    expect(parsed(lines()[0])).toMatchObject({ level: 'warn', msg: 'Activity failed', activityType: 'runTool', workflowId: 'action-x', sdkComponent: 'worker' });
  });
});

describe('span export', () => {
  it('redacts attribute values, exception events and status messages, and censors argument-like keys', async () => {
    const exported: ReadableSpan[] = [];
    const inner: SpanExporter = {
      export(spans, done) {
        exported.push(...spans);
        done({ code: 0 });
      },
      shutdown: async () => undefined,
    };
    const span = {
      name: 'RunActivity:runTool',
      spanContext: () => ({ traceId: 't'.repeat(32), spanId: 's'.repeat(16), traceFlags: 1 }),
      attributes: {
        'airlock.action_id': 'a-1',
        'tool.args': '{"amount":"125.00"}',
        'user.email': 'bob@example.com',
        'http.request.header.authorization': 'Bearer abcdefghijklmnopqrstuvwxyz',
      },
      events: [{ name: 'exception', time: [0, 0], attributes: { 'exception.message': `failed with ${SLACK_TOKEN}` } }],
      status: { code: 2, message: `failed with ${SLACK_TOKEN}` },
    } as unknown as ReadableSpan;

    new RedactingSpanExporter(inner).export([span], () => undefined);
    const [out] = exported;
    expect(out?.attributes).toEqual({
      'airlock.action_id': 'a-1',
      'tool.args': '[redacted]',
      'user.email': '[REDACTED:email]',
      'http.request.header.authorization': 'Bearer [REDACTED:secret]',
    });
    expect(out?.events[0]?.attributes).toEqual({ 'exception.message': 'failed with [REDACTED:secret]' });
    expect(out?.status.message).toBe('failed with [REDACTED:secret]');
    // The rest reads through to the original span.
    expect([out?.name, out?.spanContext().spanId]).toEqual(['RunActivity:runTool', 's'.repeat(16)]);
  });
});

describe('telemetry configuration', () => {
  const config = (env: Record<string, string>) => tracingConfig(telemetryEnv.parse(env), 'airlock-worker');

  it('is off without an endpoint or when disabled, at no cost', () => {
    expect(config({})).toBeUndefined();
    expect(config({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  it('follows the standard variables: base or traces URL, protocol, headers, service name, sampler', () => {
    expect(config({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=blue' })).toEqual({
      serviceName: 'airlock-worker',
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: { authorization: 'Bearer abc', 'x-tenant': 'blue' },
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
    expect(
      config({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/v1/traces',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'worker-eu',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toMatchObject({ url: 'https://traces.example.com/otlp/v1/traces', protocol: 'http/json', serviceName: 'worker-eu', sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
  });

  it('refuses what it cannot do with a message naming the variable', () => {
    const grpc = telemetryEnv.safeParse({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(grpc.error?.issues[0]).toMatchObject({ path: ['OTEL_EXPORTER_OTLP_PROTOCOL'], message: expect.stringContaining('gRPC is not supported') });
    expect(telemetryEnv.safeParse({ OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign' }).success).toBe(false);
    expect(telemetryEnv.safeParse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }).success).toBe(false);
  });
});
