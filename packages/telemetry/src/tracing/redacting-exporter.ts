import { redact, redactText } from '@airlock/guardrails';
import type { Attributes } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Attribute keys whose values never leave the process, whatever instrumentation set them. */
const CENSORED_KEY = /(^|[._])(args|arguments|payload|output|body)$/i;

/**
 * The last stop before spans leave the process: attribute values, event
 * attributes (exception messages quote their input) and status messages are
 * redacted the way the audit log is, and argument-like keys are censored.
 * Workflow spans pass here too, so no instrumentation can ship raw arguments.
 */
export class RedactingSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans.map(redactSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export function redactSpan(span: ReadableSpan): ReadableSpan {
  const events = span.events.map((event) => (event.attributes ? { ...event, attributes: redactAttributes(event.attributes) } : event));
  const status = span.status.message === undefined ? span.status : { ...span.status, message: redactText(span.status.message).text };
  // A view over the span (its methods and getters still read the original), with the redacted fields in front.
  return Object.create(span, {
    attributes: { value: redactAttributes(span.attributes), enumerable: true },
    events: { value: events, enumerable: true },
    status: { value: status, enumerable: true },
  }) as ReadableSpan;
}

function redactAttributes(attributes: Attributes): Attributes {
  const scanned = redact(attributes).value;
  for (const key of Object.keys(scanned)) {
    if (CENSORED_KEY.test(key)) scanned[key] = '[redacted]';
  }
  return scanned;
}
