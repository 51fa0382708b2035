import type { ActionOutcome, ApprovalDecision, GuardedActionInput } from '@airlock/core';
import { GUARDED_ACTION_WORKFLOW, actionIdOfWorkflow, decideUpdate } from '@airlock/core/workflow';
import { SpanAttribute } from '@airlock/telemetry/attributes';
import { trace } from '@opentelemetry/api';
import { OpenTelemetryInboundInterceptor, OpenTelemetryInternalsInterceptor, OpenTelemetryOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import { workflowInfo, type Next, type UpdateInput, type WorkflowExecuteInput, type WorkflowInboundCallsInterceptor, type WorkflowInterceptors } from '@temporalio/workflow';

/**
 * Workflow interceptors, bundled into the workflow code only when tracing is on
 * (`bundleWorkflows({ tracing: true })`). Temporal's interceptors make the spans
 * and hand them to the worker through the `exporter` sink; ours only labels them.
 * Deterministic: spans are not commands, their ids come from the sandbox's seeded
 * random source, and sinks are not called during replay.
 */
export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new OpenTelemetryInboundInterceptor(), new ActionSpanLabels()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});

/** Listed after Temporal's interceptor, so its span is the active one here. Ids and labels only, never arguments. */
class ActionSpanLabels implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const span = trace.getActiveSpan();
    if (!span || workflowInfo().workflowType !== GUARDED_ACTION_WORKFLOW) return next(input);
    const [action] = input.args as [GuardedActionInput];
    span.setAttributes({ [SpanAttribute.actionId]: action.actionId, [SpanAttribute.agentId]: action.request.agentId, [SpanAttribute.tool]: action.request.tool });
    return next(input).then((outcome) => {
      span.setAttribute(SpanAttribute.outcome, (outcome as ActionOutcome).status);
      return outcome;
    });
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    const span = trace.getActiveSpan();
    const actionId = actionIdOfWorkflow(workflowInfo().workflowId);
    if (span && actionId && input.name === decideUpdate.name) {
      const [decision] = input.args as [ApprovalDecision];
      span.setAttributes({ [SpanAttribute.actionId]: actionId, [SpanAttribute.approverDecision]: decision.decision });
    }
    return next(input);
  }
}
