import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities.js';

// The same options as Airlock's runTool: a normal (not local) activity.
const { echo } = proxyActivities<typeof activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

// The options of Airlock's tool run after an approval (a heartbeat timeout too).
const { bareTool } = proxyActivities<typeof activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** The baseline: one workflow, one trivial activity, nothing else. */
export async function bareEcho(input: { message: string }): Promise<{ message: string }> {
  return echo(input);
}

/** The bare counterpart of an action waiting for a person: a workflow that waits for one Update. */
export const bareDecide = defineUpdate<string, [string]>('decide');

export async function bareAwaitDecision(): Promise<string> {
  let decision: string | undefined;
  setHandler(bareDecide, (value) => (decision = value));
  await condition(() => decision !== undefined);
  return decision!;
}

/** The floor of a decision reaching a tool: one Update accepted, then one activity scheduled in the same workflow task. */
export async function bareDecideThenRun(input: { id: string }): Promise<string> {
  let decision: string | undefined;
  setHandler(bareDecide, (value) => (decision = value));
  await condition(() => decision !== undefined);
  await bareTool(input);
  return decision!;
}
