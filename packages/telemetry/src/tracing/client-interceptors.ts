import { GUARDED_ACTION_WORKFLOW, actionIdOfWorkflow, decideUpdate, type GuardedActionInput } from '@airlock/core';
import { trace } from '@opentelemetry/api';
import type {
  ClientInterceptors,
  Next,
  WorkflowClientInterceptor,
  WorkflowStartInput,
  WorkflowStartOutput,
  WorkflowStartUpdateInput,
  WorkflowStartUpdateOutput,
} from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import { SpanAttribute } from '../attributes.js';
import type { Tracing } from './start.js';

/**
 * Client interceptors for every Temporal client that starts or updates actions
 * (SDK, console, Slack): Temporal's span around each call, carried to the
 * workflow in headers, plus the action's identifiers on it. None without tracing.
 */
export function tracingClientInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  if (!tracing) return undefined;
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer }), new ActionSpanClientInterceptor()] };
}

/** Runs inside Temporal's span (listed after it) and labels it: ids and the tool name, never the arguments. */
export class ActionSpanClientInterceptor implements WorkflowClientInterceptor {
  async startWithDetails(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'startWithDetails'>): Promise<WorkflowStartOutput> {
    if (input.workflowType === GUARDED_ACTION_WORKFLOW) {
      const [action] = input.options.args as [GuardedActionInput];
      trace.getActiveSpan()?.setAttributes({
        [SpanAttribute.actionId]: action.actionId,
        [SpanAttribute.agentId]: action.request.agentId,
        [SpanAttribute.tool]: action.request.tool,
      });
    }
    return next(input);
  }

  async startUpdate(input: WorkflowStartUpdateInput, next: Next<WorkflowClientInterceptor, 'startUpdate'>): Promise<WorkflowStartUpdateOutput> {
    if (input.updateName === decideUpdate.name) {
      const [decision] = input.args as [{ decision?: unknown } | undefined];
      const span = trace.getActiveSpan();
      const actionId = actionIdOfWorkflow(input.workflowExecution.workflowId);
      if (actionId) span?.setAttribute(SpanAttribute.actionId, actionId);
      if (typeof decision?.decision === 'string') span?.setAttribute(SpanAttribute.approverDecision, decision.decision);
    }
    return next(input);
  }
}
