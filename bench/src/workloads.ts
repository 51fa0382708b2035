import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import type { Client } from '@temporalio/client';
import { BARE_WORKFLOW } from './bare/worker.js';
import { nextAgent } from './airlock/worker.js';
import { nextId } from './ids.js';
import { within } from './timeout.js';

/** One end-to-end run: start, wait for the result, check it; resolves with the workflow id. */
export type Run = () => Promise<string>;

/** Bare Temporal: client start + result of a one-activity workflow. */
export function bareRun(client: Client, taskQueue: string): Run {
  return async () => {
    const workflowId = nextId('bare');
    const message = workflowId;
    const handle = await client.workflow.start(BARE_WORKFLOW, { workflowId, taskQueue, args: [{ message }] });
    const result = (await within(handle.result(), `bare run ${workflowId}`)) as { message: string };
    if (result.message !== message) throw new Error(`bare run ${workflowId} returned ${JSON.stringify(result)}`);
    return workflowId;
  };
}

/** Airlock's auto-approved path, through the gateway exactly as an agent calls it. */
export function guardedRun(client: Client, taskQueue: string, tool = 'demo.echo'): Run {
  return async () => {
    const key = nextId('echo');
    const { actionId, workflowId } = await submitAction(client, taskQueue, {
      agentId: nextAgent(),
      tool,
      args: { message: key },
      rationale: 'benchmark',
      idempotencyKey: key,
    });
    const outcome = await within(awaitOutcome(client, actionId), `guarded run ${actionId}`);
    if (outcome.status !== 'executed') throw new Error(`guarded run ${actionId} ended ${JSON.stringify(outcome)}`);
    return workflowId;
  };
}
