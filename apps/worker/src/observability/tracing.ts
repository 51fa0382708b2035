import { SpanAttribute, type Tracing } from '@airlock/telemetry';
import { trace, type Attributes } from '@opentelemetry/api';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next, WorkerOptions } from '@temporalio/worker';

/**
 * What a traced worker adds: the sink that receives the spans the workflow
 * interceptors make inside the sandbox, and the activity interceptors (Temporal's
 * span, continued from the workflow's headers, then our labels on it). The
 * workflow bundle must include the interceptors module: `bundleWorkflows({ tracing: true })`.
 */
export function tracingWorkerOptions(tracing: Tracing): Required<Pick<WorkerOptions, 'sinks' | 'interceptors'>> {
  return {
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
    interceptors: {
      activity: [
        (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
        () => ({ inbound: new ActionActivityLabels() }),
      ],
    },
  };
}

/** Labels the activity span with the action's ids, and admission's tier and decision: never arguments or outputs. */
class ActionActivityLabels implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const span = trace.getActiveSpan();
    if (!span) return next(input);
    span.setAttributes(actionLabels(input.args[0]));
    const result = await next(input);
    span.setAttributes(classificationLabels(result));
    return result;
  }
}

type Shape = Record<string, unknown> | undefined;

const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Activity inputs name their action in one of a few places: `{ actionId, tool }`
 * (runTool, approvals), `{ actionId, request }` (admitAndRun), `{ input: … }`
 * (recheck, edit review) or `{ outcome: … }` (completeAction).
 */
function actionLabels(arg: unknown): Attributes {
  const action: Shape = (field(arg, 'input') ?? field(arg, 'outcome') ?? arg) as Shape;
  const actionId = text(field(action, 'actionId'));
  const tool = text(field(arg, 'tool')) ?? text(field(field(action, 'request'), 'tool'));
  return { ...(actionId ? { [SpanAttribute.actionId]: actionId } : {}), ...(tool ? { [SpanAttribute.tool]: tool } : {}) };
}

/** admitAndRun returns `{ admission: { classification } }`, an edit review `{ classification }`. */
function classificationLabels(result: unknown): Attributes {
  const classification = field(field(result, 'admission'), 'classification') ?? field(result, 'classification');
  const tier = text(field(classification, 'tier'));
  const decision = text(field(classification, 'decision'));
  return { ...(tier ? { [SpanAttribute.tier]: tier } : {}), ...(decision ? { [SpanAttribute.decision]: decision } : {}) };
}
