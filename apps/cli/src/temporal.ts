import { dataConverterFor, keyringEnv } from '@airlock/codec';
import { actionIdOfWorkflow } from '@airlock/core';
import { dbEnv, temporalEnv } from '@airlock/core/env';
import { temporalConnectionSettings } from '@airlock/core/temporal';
import type { Db } from '@airlock/db';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
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

export async function withTemporal<T>(fn: (deps: { db: Db; temporal: Client }) => Promise<T>): Promise<T> {
  const env = loadOpsEnv();
  const connection = await Connection.connect(temporalConnectionSettings(env, env.TEMPORAL_ADDRESS)).catch((error: unknown) => {
    // The SDK's own words ("Failed to connect before the deadline") name neither the server nor the setting.
    throw new CliError(`cannot reach Temporal at ${env.TEMPORAL_ADDRESS}: ${error instanceof Error ? error.message : String(error)}`);
  });
  try {
    const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(env.AIRLOCK_PAYLOAD_KEYS) });
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
