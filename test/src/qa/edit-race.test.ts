import { awaitOutcome, decideAction } from '@airlock/core/gateway';
import { argsHash } from '@airlock/core/hashing';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { namingClient, untilAdmitted, type SentUpdate } from '../support/admitted-updates.js';
import { seedTeam, startHarness, type Harness, type RunningWorker } from '../support/harness.js';

/**
 * Two decisions in one workflow task: a plain approval that settles a one-approver round, then an
 * approver's edit. Made deterministic by sending both while no worker runs (the server admits them,
 * and delivers both in the first task of the next worker). Whichever wins, the arguments the tool ran
 * with, the action's stored arguments and the recorded decisions must tell one story.
 */
let h: Harness;
let running: RunningWorker;
beforeAll(async () => {
  h = await startHarness();
  running = h.worker;
  await seedTeam(h.db);
});
afterAll(async () => {
  await h?.close();
});

/** Until the server has admitted the `count`th update `sent` lists (waiting for it to be sent first). */
async function untilNthAdmitted(sent: readonly SentUpdate[], count: number): Promise<void> {
  for (const stopAt = Date.now() + 10_000; sent.length < count; await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > stopAt) throw new Error('the update was never sent');
  }
  await untilAdmitted(h.client, sent[count - 1]!);
}

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** Sends `first`, then `second`, while no worker runs; both reach the next worker's first task. */
async function inOneTask<A, B>(first: (client: Client) => Promise<A>, second: (client: Client) => Promise<B>) {
  await running.stop();
  const { client, sent } = namingClient(h.client);
  const a = settle(first(client));
  await untilNthAdmitted(sent, 1);
  const b = settle(second(client));
  await untilNthAdmitted(sent, 2);
  running = await h.startWorker();
  return [await a, await b] as const;
}

describe('a decision delivered in the task of the approval that settled the round', () => {
  it('an edit is refused: the tool runs what the records say', async () => {
    const { actionId, argsHash: hash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '125.00' }));
    const edited = { paymentId: 'pay_123', amount: '20.00', currency: 'USD', reason: 'partial' };
    const [approved, editing] = await inOneTask(
      (client) => decideAction(client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: hash }),
      (client) => decideAction(client, actionId, { approverId: 'bob', decision: 'approve', channel: 'api', argsHash: hash, editedArgs: edited }),
    );
    expect(approved).toMatchObject({ ok: true, value: { approvalStatus: 'approved' } });
    expect(editing).toMatchObject({ ok: false, error: { closed: true, message: 'the approval is already decided' } });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');

    const ran = await h.db.prisma.ledgerEntry.findMany({ where: { idempotencyKey: `${actionId}:run` } });
    const action = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    // The tool refunded the agent's amount; the action's stored arguments and hash say the same.
    expect(ran.map((e) => e.amount.toFixed(2))).toEqual(['125.00']);
    expect(action.args).toMatchObject({ amount: '125.00' });
    expect(action.argsHash).toBe(hash);
    expect(argsHash(edited)).not.toBe(hash);
    const decisions = await h.db.prisma.approvalDecision.findMany({ where: { approval: { actionId } }, select: { userId: true, editedArgs: true } });
    expect(decisions).toEqual([{ userId: 'alice', editedArgs: null }]);
  });

  it('a deny is refused, not told it denied an action that runs', async () => {
    const { actionId, argsHash: hash } = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '125.00' }));
    const [approved, denying] = await inOneTask(
      (client) => decideAction(client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash: hash }),
      (client) => decideAction(client, actionId, { approverId: 'bob', decision: 'deny', channel: 'api', argsHash: hash }),
    );
    expect(approved).toMatchObject({ ok: true, value: { approvalStatus: 'approved' } });
    expect(denying).toMatchObject({ ok: false, error: { closed: true } });
    expect((await awaitOutcome(h.client, actionId)).status).toBe('executed');
    const decisions = await h.db.prisma.approvalDecision.findMany({ where: { approval: { actionId } }, select: { userId: true, decision: true } });
    expect(decisions).toEqual([{ userId: 'alice', decision: 'approve' }]);
  });
});
