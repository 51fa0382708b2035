import { dataConverterFor, ENCRYPTED_ENCODING, keyringEnv } from '@airlock/codec';
import { actionIdOfWorkflow, workflowIdForAction } from '@airlock/core';
import { dbEnv, temporalEnv } from '@airlock/core/env';
import { temporalConnectionSettings } from '@airlock/core/temporal';
import type { Db } from '@airlock/db';
import { Client, Connection, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { CliError } from './cli-error.js';
import { parseCliEnv } from './env.js';
import { withDb } from './runtime.js';

// The commands that signal workflows (kill switch, decisions) and only they load Temporal's client,
// and the payload codec: its package's entry loads Temporal's protobuf definitions, so this setting
// lives here, not in env.ts, which every database command loads.

/** With the workers' payload keys, or neither side reads the other. */
function loadOpsEnv() {
  return parseCliEnv(dbEnv.required({ DATABASE_URL: true }).extend(temporalEnv.shape).extend(keyringEnv.shape).required({ TEMPORAL_ADDRESS: true }), [
    'DATABASE_URL',
    'TEMPORAL_ADDRESS',
  ]);
}

/**
 * `actionId`: the action the command sends a payload to (a decision, a compensation's answer). Without the payload
 * keys, one whose workflow the workers encrypt is refused before anything is sent: the decision would reach the
 * history in clear, and the encrypted answer could not be read here (applied, yet reported as a failure).
 */
export async function withTemporal<T>(fn: (deps: { db: Db; temporal: Client }) => Promise<T>, options: { actionId?: string } = {}): Promise<T> {
  const env = loadOpsEnv();
  const connection = await Connection.connect(temporalConnectionSettings(env, env.TEMPORAL_ADDRESS)).catch((error: unknown) => {
    // The SDK's own words ("Failed to connect before the deadline") name neither the server nor the setting.
    throw new CliError(`cannot reach Temporal at ${env.TEMPORAL_ADDRESS}: ${error instanceof Error ? error.message : String(error)}`);
  });
  try {
    const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(env.AIRLOCK_PAYLOAD_KEYS) });
    if (options.actionId !== undefined && env.AIRLOCK_PAYLOAD_KEYS === undefined) await refuseEncryptedAction(temporal, options.actionId);
    return await withDb((db) =>
      fn({ db, temporal }).catch((error: unknown) => {
        throw workflowNotFound(error);
      }),
    );
  } finally {
    await connection.close();
  }
}

/** Temporal's own words ("workflow not found for ID: action-…") name neither the argument nor the action. */
function workflowNotFound(error: unknown): unknown {
  return error instanceof WorkflowNotFoundError ? new CliError(`<action-id>: no action ${actionIdOfWorkflow(error.workflowId) ?? error.workflowId}`) : error;
}

/** gRPC's NOT_FOUND status code (the CLI does not depend on @grpc/grpc-js for one number). */
const GRPC_NOT_FOUND = 5;

/** Refuses an action whose workflow holds encrypted payloads (its memo, which every action has): this CLI has no keys. */
async function refuseEncryptedAction(temporal: Client, actionId: string): Promise<void> {
  let memo: Record<string, { metadata?: Record<string, Uint8Array> | null }> | null | undefined;
  try {
    const described = await temporal.workflowService.describeWorkflowExecution({
      namespace: temporal.options.namespace,
      execution: { workflowId: workflowIdForAction(actionId) },
    });
    memo = described.workflowExecutionInfo?.memo?.fields;
  } catch (error) {
    // No such workflow: the command's own call says so in its words.
    if (isGrpcServiceError(error) && Number(error.code) === GRPC_NOT_FOUND) return;
    throw error;
  }
  const encrypted = Object.values(memo ?? {}).some((payload) => new TextDecoder().decode(payload.metadata?.encoding) === ENCRYPTED_ENCODING);
  if (encrypted) {
    throw new CliError(
      `AIRLOCK_PAYLOAD_KEYS: the workers encrypt ${actionId}'s payloads, and this command has no keys: set the workers' AIRLOCK_PAYLOAD_KEYS here (nothing was sent)`,
    );
  }
}
