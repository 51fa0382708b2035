import { defaultActivityDeps, defineTool } from '@airlock/activities';
import { PLAN_TOOL, type ActionRequestInput, type ActionStatusView } from '@airlock/core';
import { decideAction, submitAction } from '@airlock/core/gateway';
import { z } from 'zod';
import { waitForStatus } from './actions.js';
import { defaultPolicy, seedTeam, startHarness, type Harness } from './harness.js';

/**
 * `demo.stubborn`: a reversible tool whose compensation fails until a person fixes the world
 * (`undoWorks = true`), for plans whose rollback must wait for someone. `undone` lists what it undid.
 */
export function stubbornTool() {
  const state = { undoWorks: false, undone: [] as string[] };
  const tool = defineTool({
    name: 'demo.stubborn',
    description: 'test tool: compensation fails until undoWorks',
    args: z.object({ id: z.string() }).strict(),
    execute: async ({ id }) => ({ id }),
    compensate: async ({ id }) => {
      if (!state.undoWorks) throw new Error(`cannot undo ${id} yet`);
      state.undone.push(id);
    },
  });
  return { tool, state };
}

export type StubbornTool = ReturnType<typeof stubbornTool>;

/** A harness whose workers also have `stubborn`'s tool (the default policy), with the team seeded. */
export async function startStubbornHarness(stubborn: StubbornTool): Promise<Harness> {
  const h = await startHarness({ deps: (db) => defaultActivityDeps(db, defaultPolicy(), [stubborn.tool]) });
  await seedTeam(h.db);
  return h;
}

/** A plan of `demo.stubborn` (its id `key`), then `demo.fail`: step 2 fails, so step 1 is compensated. */
export const stubbornPlan = (key: string): ActionRequestInput => ({
  agentId: 'billing-bot',
  tool: PLAN_TOOL,
  args: {
    steps: [
      { tool: 'demo.stubborn', args: { id: key } },
      { tool: 'demo.fail', args: { message: 'boom' } },
    ],
  },
  rationale: 'batch',
  idempotencyKey: key,
});

/**
 * Submits `stubbornPlan(key)` with the undo failing, approves it as alice (no rule covers demo.stubborn, so the
 * default asks a person) and waits until step 1's compensation has failed and waits for a person: that status.
 */
export async function stuckPlan(h: Harness, stubborn: StubbornTool, key: string): Promise<ActionStatusView> {
  stubborn.state.undoWorks = false;
  const { actionId, argsHash } = await submitAction(h.client, h.taskQueue, stubbornPlan(key));
  await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_approval');
  await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
  return waitForStatus(h.client, actionId, (s) => s.phase === 'compensation_failed', 30_000);
}
