import { Client, Connection, type ClientInterceptors, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { ActionRequest, DEFAULT_TASK_QUEUE, formatZodError, type ActionOutcome, type ActionRequestInput } from '@airlock/core';
import { InvalidRequestError } from '@airlock/core/portable';
import { actionHandle, awaitOutcome, getActionStatus, submitAction } from '@airlock/core/gateway';
import { ActionClient, planAction, toolCallOptionsError } from './client-base.js';
import { refuseUnknownFields } from './fields.js';
import type { ActionHandle, AirlockClient, PlanRequest, ToolFunction } from './handle.js';

export interface TemporalConnectOptions {
  /** Temporal frontend, e.g. `localhost:7233` or `<ns>.<acct>.tmprl.cloud:7233`. */
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** Temporal Cloud API key (implies TLS). */
  apiKey?: string;
  tls?: ConnectionOptions['tls'];
  /** Reuse an existing connection instead of opening one (it is then not closed by `close()`). */
  connection?: Connection;
  /** Must match the workers', e.g. `dataConverterFor(parseKeyring(...))` from `@airlock/codec` for encrypted payloads. */
  dataConverter?: DataConverter;
  /**
   * Temporal client interceptors, e.g. `tracingClientInterceptors(await startTracing(...))` from
   * `@airlock/telemetry`: the agent's span then parents the workflow's and the tool run's.
   */
  interceptors?: ClientInterceptors;
}

const CONNECT_OPTIONS = ['address', 'namespace', 'taskQueue', 'apiKey', 'tls', 'connection', 'dataConverter', 'interceptors'];
// Strict, as in the REST client: a field the SDK does not know (`reasn`) is refused before anything starts, not dropped.
const StrictActionRequest = ActionRequest.strict();

/**
 * The Temporal-direct client, for trusted in-cluster services only: it needs the
 * cluster's credentials and (with encrypted payloads) the payload keys, and it may
 * name any agent. Agents use the REST client (`Airlock.connect({ url, apiKey })`),
 * which authenticates them by key. Same surface, same gateway as REST and the console.
 */
export class AirlockTemporal extends ActionClient<ActionRequestInput> implements AirlockClient {
  private constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly ownedConnection: Connection | undefined,
  ) {
    super();
  }

  static async connect(options: TemporalConnectOptions = {}): Promise<AirlockTemporal> {
    refuseUnknownFields(options, CONNECT_OPTIONS, 'options');
    const connection =
      options.connection ??
      (await Connection.connect({
        address: options.address ?? 'localhost:7233',
        ...(options.apiKey ? { apiKey: options.apiKey, tls: options.tls ?? true } : options.tls ? { tls: options.tls } : {}),
      }));
    const client = new Client({
      connection,
      namespace: options.namespace ?? 'default',
      ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    });
    return new AirlockTemporal(client, options.taskQueue ?? DEFAULT_TASK_QUEUE, options.connection ? undefined : connection);
  }

  /** Submits without waiting; the handle survives process restarts via `action(actionId)`. */
  async start(request: ActionRequestInput): Promise<ActionHandle> {
    const parsed = StrictActionRequest.safeParse(request);
    if (!parsed.success) throw new InvalidRequestError(formatZodError(parsed.error));
    const submitted = await submitAction(this.client, this.taskQueue, request);
    return { ...this.action(submitted.actionId), created: submitted.created };
  }

  /**
   * Submits a multi-step plan: approvers see every step and its rollback, one
   * approval covers it, and a failing step rolls back the completed ones in reverse.
   */
  async runPlan(request: PlanRequest): Promise<ActionOutcome> {
    const { steps, ...rest } = request;
    return this.run({ ...rest, ...planAction(steps) });
  }

  /**
   * A typed wrapper for one tool, for handing to an agent framework:
   * `const refund = airlock.tool<RefundArgs>('billing-bot', 'payments.refund')`. Temporal-direct,
   * nothing but this id names the agent, so it is required here.
   */
  tool<Args extends Record<string, unknown>>(agentId: string, tool: string): ToolFunction<Args> {
    return (args, options) => {
      const invalid = toolCallOptionsError(options);
      return invalid ? Promise.reject(invalid) : this.run({ agentId, tool, args, ...options });
    };
  }

  action(actionId: string): ActionHandle {
    return {
      actionId,
      created: false,
      status: () => getActionStatus(this.client, actionId),
      result: () => awaitOutcome(this.client, actionId),
      cancel: () =>
        actionHandle(this.client, actionId)
          .cancel()
          .then(() => undefined),
    };
  }

  async close(): Promise<void> {
    await this.ownedConnection?.close();
  }
}

/** `connectTemporal(options)` is `AirlockTemporal.connect(options)`. */
export function connectTemporal(options: TemporalConnectOptions = {}): Promise<AirlockTemporal> {
  return AirlockTemporal.connect(options);
}
