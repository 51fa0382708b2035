import { status as grpcStatus } from '@grpc/grpc-js';
import { Client, isGrpcServiceError, type WorkflowClientInterceptor } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';

/** An update a naming client sent: enough to ask the server where it stands. */
export interface SentUpdate {
  workflowId: string;
  updateId: string;
}

const ADMITTED = temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;

/**
 * A client on `base`'s connection that gives each update an id of its own and lists it in `sent` as it goes out, so
 * a test can ask the server whether it admitted it (untilAdmitted) while no worker takes the workflow's tasks.
 */
export function namingClient(base: Client): { client: Client; sent: SentUpdate[] } {
  const sent: SentUpdate[] = [];
  const interceptor: WorkflowClientInterceptor = {
    async startUpdate(input, next) {
      const update = { workflowId: input.workflowExecution.workflowId, updateId: input.options.updateId ?? randomUUID() };
      sent.push(update);
      return await next({ ...input, options: { ...input.options, updateId: update.updateId } });
    },
  };
  return { client: new Client({ connection: base.connection, namespace: base.options.namespace, interceptors: { workflow: [interceptor] } }), sent };
}

/** Until the server has admitted the update: it reaches the workflow with the workflow's next task. */
export async function untilAdmitted(client: Client, update: SentUpdate): Promise<void> {
  const request = {
    namespace: client.options.namespace,
    identity: client.options.identity,
    updateRef: { workflowExecution: { workflowId: update.workflowId }, updateId: update.updateId },
    waitPolicy: { lifecycleStage: ADMITTED },
  };
  for (const stopAt = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 10))) {
    try {
      const { stage } = await client.withDeadline(Date.now() + 1_000, () => client.workflowService.pollWorkflowExecutionUpdate(request));
      if ((stage ?? 0) >= ADMITTED) return;
    } catch (error) {
      // NOT_FOUND until the request reaches the workflow, DEADLINE_EXCEEDED while it is not yet admitted.
      if (!isGrpcServiceError(error) || (error.code !== grpcStatus.NOT_FOUND && error.code !== grpcStatus.DEADLINE_EXCEEDED)) throw error;
    }
    if (Date.now() > stopAt) throw new Error(`timed out waiting for the server to admit update ${update.updateId}`);
  }
}
