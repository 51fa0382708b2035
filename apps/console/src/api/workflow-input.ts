import { status } from '@grpc/grpc-js';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { ApiError } from './errors.js';

const HISTORY_TIMEOUT_MS = 10_000;

/**
 * The arguments a workflow was started with, read from its first history event
 * and decoded with this client's data converter (so the payload codec decrypts
 * them when AIRLOCK_PAYLOAD_KEYS is set). Only the first event is fetched.
 */
export async function readStartInput(temporal: Client, workflowId: string): Promise<unknown[]> {
  const response = await temporal
    .withDeadline(Date.now() + HISTORY_TIMEOUT_MS, () =>
      temporal.workflowService.getWorkflowExecutionHistory({ namespace: temporal.options.namespace, execution: { workflowId }, maximumPageSize: 1 }),
    )
    .catch((error: unknown) => {
      // NOT_FOUND: the execution is unknown to Temporal, or past the namespace's retention.
      if (isGrpcServiceError(error) && error.code === status.NOT_FOUND) {
        throw new ApiError(404, 'not_found', 'Temporal no longer keeps this action’s workflow history (retention): its raw arguments are gone');
      }
      throw error;
    });
  const started = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`workflow ${workflowId}: the first history event is not WorkflowExecutionStarted`);
  const { payloadCodecs, payloadConverter } = temporal.options.loadedDataConverter;
  try {
    // Codecs decode in the reverse of the order they encode, as the SDK does.
    let payloads = started.input?.payloads ?? [];
    for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
    return payloads.map((payload) => payloadConverter.fromPayload(payload));
  } catch (error) {
    // A missing or wrong key is configuration the admin can fix; the codec's message names the key id.
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError(503, 'unavailable', `this console cannot decode the action’s workflow input (${reason}); give it the workers’ AIRLOCK_PAYLOAD_KEYS`);
  }
}
