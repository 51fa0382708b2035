import { defaultActivityDeps, type KillPoint } from '@airlock/activities';
import { postDecision } from '@airlock/console';
import { reportAgentRun, waitForAuthorization } from '@airlock/core/agent-gateway';
import { awaitOutcome, decideAction, DecisionRejectedError, submitAction } from '@airlock/core/gateway';
import { createApiKey } from '@airlock/db';
import { decide, userOperator } from '@airlock/ops';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, contextOf, expectError } from '../api/client.js';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { defaultPolicy, seedTeam, startHarness, type Harness } from '../support/harness.js';

// QA M2: concurrent decisions on one action; the first closed the round, the workflow completed while
// the others were in flight, and Temporal answered those "workflow update was aborted by closing workflow"
// (a WorkflowNotFoundError): the channels said 404 "no action with this id" for an action that exists.
// Made deterministic here: the workflow task that completes the action is held open (its completion write,
// a local activity, fails and is retried in the same task while `holdCompletion`), a second decision is
// sent into it, and then the completion is let through: the workflow closes with that update in flight.

let holdCompletion = false;
let completionsHeld = 0;

function holdTheClosingTask(point: KillPoint): void {
  if (!holdCompletion || point !== 'complete.before-write' || Context.current().info.activityType !== 'completeAction') return;
  completionsHeld++;
  throw new Error('completion held (test)');
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deps: (db) => ({ ...defaultActivityDeps(db, defaultPolicy()), killPoint: holdTheClosingTask }) });
  await seedTeam(h.db);
});
afterAll(async () => {
  await h?.close();
});

const until = async (condition: () => boolean, what: string) => {
  for (const stopAt = Date.now() + 10_000; !condition(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > stopAt) throw new Error(`timed out waiting for ${what}`);
  }
};

/** A decision sent while the workflow task that closes the action is held; it is in flight when the workflow completes. */
async function decisionIntoClosingWorkflow<T>(send: (actionId: string, argsHash: string) => Promise<T>): Promise<{ actionId: string; result: PromiseSettledResult<T> }> {
  const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest());
  holdCompletion = true;
  completionsHeld = 0;
  try {
    // Alice's denial closes the round; the action's completion write is then held, its workflow task open
    // (her answer comes when that task completes, so it is awaited after the release).
    const first = decideAction(h.client, actionId, { approverId: 'alice', decision: 'deny', channel: 'api', argsHash, comment: 'no' });
    await until(() => completionsHeld > 0, 'the completion to be held');
    const second = send(actionId, argsHash).then(
      (value) => ({ status: 'fulfilled', value }) as const,
      (reason: unknown) => ({ status: 'rejected', reason }) as const,
    );
    // Admitted by the server while the task is open (it takes no part in that task).
    await new Promise((r) => setTimeout(r, 500));
    holdCompletion = false;
    expect(await first).toBeDefined();
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'denied' });
    return { actionId, result: await second };
  } finally {
    holdCompletion = false;
  }
}

describe('a decision in flight when the workflow completes', () => {
  it('is refused as a closed round (DecisionRejectedError, closed), not "workflow not found"', async () => {
    const { result } = await decisionIntoClosingWorkflow((actionId, argsHash) =>
      decideAction(h.client, actionId, { approverId: 'owner', decision: 'approve', channel: 'api', argsHash }),
    );
    expect(result.status).toBe('rejected');
    const error = result.status === 'rejected' ? result.reason : undefined;
    expect(error).toBeInstanceOf(DecisionRejectedError);
    expect(error).toMatchObject({ closed: true });
  });

  it('is told through the use case with who closed the round: "already denied by …"', async () => {
    const { result } = await decisionIntoClosingWorkflow((actionId, argsHash) =>
      decide({ db: h.db, temporal: h.client }, userOperator({ id: 'owner', role: 'approver' }, 'api'), { actionId, decision: 'approve', argsHash }),
    );
    expect(result.status).toBe('rejected');
    const error = result.status === 'rejected' ? result.reason : undefined;
    expect(error).toBeInstanceOf(DecisionRejectedError);
    expect((error as Error).message).toMatch(/^this action was already denied by /);
  });

  it('answers REST with 409 decision_rejected naming who closed it, not 404 "no action with this id"', async () => {
    const key = (await createApiKey(h.db, { userId: 'owner' })).key;
    const { actionId, result } = await decisionIntoClosingWorkflow(async (id, argsHash) =>
      postDecision(apiRequest(`/api/v1/actions/${id}/decisions`, { key, body: { decision: 'approve', argsHash } }), contextOf(h), { id }),
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
    holdCompletion = true;
    completionsHeld = 0;
    try {
      const first = reportAgentRun(h.client, actionId, report);
      await until(() => completionsHeld > 0, 'the completion to be held');
      const again = reportAgentRun(h.client, actionId, report).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
      await new Promise((r) => setTimeout(r, 500));
      holdCompletion = false;
      const outcome = await first;
      expect(outcome).toMatchObject({ status: 'executed' });
      expect(await again).toEqual({ status: 'fulfilled', value: outcome });
    } finally {
      holdCompletion = false;
    }
  });
});
