import { decideAction } from '@airlock/core/gateway';
import type { Client } from '@temporalio/client';
import { BENCH_APPROVER } from '../airlock/worker.js';
import type { DecisionChannel } from './channel.js';

/** The gateway's decideAction called in this process: the floor every other channel adds to. */
export function directChannel(client: Client): DecisionChannel {
  return {
    key: 'direct',
    label: 'decideAction (gateway, in process)',
    short: 'gateway',
    prepare:
      async ({ actionId, argsHash }) =>
      async () => {
        await decideAction(client, actionId, { approverId: BENCH_APPROVER, decision: 'approve', channel: 'api', argsHash });
      },
  };
}
