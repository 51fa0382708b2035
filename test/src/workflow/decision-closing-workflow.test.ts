import { defaultActivityDeps, type KillPoint } from '@airlock/activities';
import { postDecision } from '@airlock/console';
import { reportAgentRun, waitForAuthorization } from '@airlock/core/agent-gateway';
import { awaitOutcome, decideAction, DecisionRejectedError, submitAction } from '@airlock/core/gateway';
import { createApiKey } from '@airlock/db';
import { decide, userOperator } from '@airlock/ops';
import { Context } from '@temporalio/activity';
import { Client, WorkflowNotFoundError, type WorkflowClientInterceptor } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiRequest, contextOf, expectError } from '../api/client.js';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { untilAdmitted } from '../support/admitted-updates.js';
import { defaultPolicy, useSeededHarness } from '../support/harness.js';

// QA M2: concurrent decisions on one action; the first closed the round, the workflow completed while
// the others were in flight, and Temporal answered those "workflow update was aborted by closing workflow"
// (a WorkflowNotFoundError): the channels said 404 "no action with this id" for an action that exists.
// Made deterministic here: the workflow task that completes the action is held open (its completion write,
// a local activity, fails and is retried in the same task while `holdCompletion`), a second decision is
// sent into it and, once the server has admitted it (polled by its update id), the completion is let through:
// the workflow closes with that update in flight. Temporal's own answer to it is asserted, so a decision that
// lands after completion ("workflow execution already completed", mapped before the fix) fails the tests.

let holdCompletion = false;
let completionsHeld = 0;

function holdTheClosingTask(point: KillPoint): void {
  if (!holdCompletion || point !== 'complete.before-write' || Context.current().info.activityType !== 'completeAction') return;
  completionsHeld++;
  throw new Error('completion held (test)');
}

const h = useSeededHarness({ deps: (db) => ({ ...defaultActivityDeps(db, defaultPolicy()), killPoint: holdTheClosingTask }) });

const until = async (condition: () => boolean, what: string) => {
  for (const stopAt = Date.now() + 10_000; !condition(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > stopAt) throw new Error(`timed out waiting for ${what}`);
  }
};

/** What Temporal answers an update it admitted but never delivered because the workflow completed (the path under test). */
const ABORTED_BY_CLOSING = 'workflow update was aborted by closing workflow';

interface SentUpdate {
  workflowId: string;
  updateId: string;
  /** Temporal's own error for the update, before the gateway maps it. */
  error?: unknown;
}

/** A client on the harness's connection whose updates carry ids given here, so the server can be asked about them. */
function updateWatchingClient(): { client: Client; sent: SentUpdate[] } {
  const sent: SentUpdate[] = [];
  const interceptor: WorkflowClientInterceptor = {
    async startUpdate(input, next) {
      const update: SentUpdate = { workflowId: input.workflowExecution.workflowId, updateId: input.options.updateId ?? randomUUID() };
      sent.push(update);
      try {
        return await next({ ...input, options: { ...input.options, updateId: update.updateId } });
      } catch (error) {
        update.error = error;
        throw error;
      }
    },
  };
  return { client: new Client({ connection: h.client.connection, namespace: h.client.options.namespace, interceptors: { workflow: [interceptor] } }), sent };
}

/**
 * `close` starts the call that completes the action; its workflow task is held open while `send`'s update is
 * admitted into it, then let through: the workflow closes with that update in flight, and Temporal aborts it.
 */
async function sendIntoClosingWorkflow<C, T>(close: () => Promise<C>, send: (client: Client) => Promise<T>): Promise<{ closed: C; result: PromiseSettledResult<T> }> {
  const watched = updateWatchingClient();
  holdCompletion = true;
  completionsHeld = 0;
  try {
    // The closing call's answer comes when the held task completes, so it is awaited after the release.
    const first = close();
    await until(() => completionsHeld > 0, 'the completion to be held');
    const second = send(watched.client).then(
      (value) => ({ status: 'fulfilled', value }) as const,
      (reason: unknown) => ({ status: 'rejected', reason }) as const,
    );
    await until(() => watched.sent.length > 0, 'the update to be sent');
    await untilAdmitted(h.client, watched.sent[0]!);
    holdCompletion = false;
    const closed = await first;
    const result = await second;
    expect(watched.sent).toHaveLength(1);
    // Aborted by the closing workflow, not refused by a completed one (which needs no fix to be mapped).
    expect(watched.sent[0]!.error).toBeInstanceOf(WorkflowNotFoundError);
    expect((watched.sent[0]!.error as Error).message).toBe(ABORTED_BY_CLOSING);
    return { closed, result };
  } finally {
    holdCompletion = false;
  }
}

/** A decision sent while the workflow task that closes the action is held; it is in flight when the workflow completes. */
async function decisionIntoClosingWorkflow<T>(
  send: (client: Client, actionId: string, argsHash: string) => Promise<T>,
): Promise<{ actionId: string; result: PromiseSettledResult<T> }> {
  const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
  // Alice's denial closes the round.
  const { closed, result } = await sendIntoClosingWorkflow(
    () => decideAction(h.client, actionId, { approverId: 'alice', decision: 'deny', channel: 'api', argsHash, comment: 'no' }),
    (client) => send(client, actionId, argsHash),
  );
  expect(closed).toBeDefined();
  expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'denied' });
  return { actionId, result };
}

describe('a decision in flight when the workflow completes', () => {
  it('is refused as a closed round (DecisionRejectedError, closed), not "workflow not found"', async () => {
    const { result } = await decisionIntoClosingWorkflow((client, actionId, argsHash) =>
      decideAction(client, actionId, { approverId: 'owner', decision: 'approve', channel: 'api', argsHash }),
    );
    expect(result.status).toBe('rejected');
    const error = result.status === 'rejected' ? result.reason : undefined;
    expect(error).toBeInstanceOf(DecisionRejectedError);
    expect(error).toMatchObject({ closed: true });
  });

  it('is told through the use case with who closed the round: "already denied by …"', async () => {
    const { result } = await decisionIntoClosingWorkflow((client, actionId, argsHash) =>
      decide({ db: h.db, temporal: client }, userOperator({ id: 'owner', role: 'approver' }, 'api'), { actionId, decision: 'approve', argsHash }),
    );
    expect(result.status).toBe('rejected');
    const error = result.status === 'rejected' ? result.reason : undefined;
    expect(error).toBeInstanceOf(DecisionRejectedError);
    expect((error as Error).message).toMatch(/^this action was already denied by /);
  });

  it('answers REST with 409 decision_rejected naming who closed it, not 404 "no action with this id"', async () => {
    const key = (await createApiKey(h.db, { userId: 'owner' })).key;
    const { actionId, result } = await decisionIntoClosingWorkflow(async (client, id, argsHash) =>
      postDecision(apiRequest(`/api/v1/actions/${id}/decisions`, { key, body: { decision: 'approve', argsHash } }), { ...contextOf(h), temporal: client }, { id }),
    );
    expect(result.status).toBe('fulfilled');
    const response = result.status === 'fulfilled' ? result.value : Response.error();
    const error = await expectError(response, 409, 'decision_rejected');
    expect(error.message).toMatch(/^this action was already denied by /);
    expect(await h.db.prisma.action.count({ where: { id: actionId } })).toBe(1);
  });

  it('an agent’s repeated report in flight when its first one completes the action gets the same outcome', async () => {
    const args = { message: 'hi' };
    const { actionId } = await submitAction(h.client, h.taskQueue, { agentId: 'billing-bot', tool: 'demo.echo', args, idempotencyKey: 'report-twice', execution: 'agent' });
    const state = await waitForAuthorization(h.client, actionId, 20_000);
    if (state.state !== 'authorized') throw new Error(`not authorized: ${JSON.stringify(state)}`);
    const report = { authorizationId: state.authorization.authorizationId, args, status: 'succeeded' as const, output: { echoed: 'hi' } };
    const { closed, result } = await sendIntoClosingWorkflow(
      () => reportAgentRun(h.client, actionId, report),
      (client) => reportAgentRun(client, actionId, report),
    );
    expect(closed).toMatchObject({ status: 'executed' });
    expect(result).toEqual({ status: 'fulfilled', value: closed });
  });
});
