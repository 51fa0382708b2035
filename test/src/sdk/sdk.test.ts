import { Airlock, IdempotencyConflictError, InvalidRequestError } from '@airlock/sdk';
import { decideAction } from '@airlock/core/gateway';
import { inject, afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let airlock: Airlock;

beforeAll(async () => {
  h = await startHarness();
  await seedTeam(h.db);
  airlock = await Airlock.connect({ address: inject('temporalAddress'), taskQueue: h.taskQueue });
});
afterAll(async () => {
  await airlock?.close();
  await h?.close();
});

describe('the TypeScript SDK', () => {
  it('run() returns the executed outcome with the tool output', async () => {
    const outcome = await airlock.run({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'hi' }, rationale: 'test', idempotencyKey: 'sdk-1' });
    expect(outcome).toMatchObject({ status: 'executed', output: { message: 'hi' } });
  });

  it('start() gives a handle whose status shows the pending approval and whose result follows the decision', async () => {
    const handle = await airlock.start(refundRequest());
    expect(handle.created).toBe(true);
    let status = await handle.status();
    while (status.phase !== 'awaiting_approval') status = await handle.status();
    expect(status.classification).toMatchObject({ decision: 'require_approval', tier: 'high' });
    await decideAction(h.client, handle.actionId, { approverId: 'alice', decision: 'deny', channel: 'console', argsHash: status.argsHash, feedback: 'ask the customer first' });
    expect(await handle.result()).toMatchObject({ status: 'denied', feedback: 'ask the customer first', deniedBy: 'alice' });
    // A handle rebuilt from the id alone (e.g. after the agent restarts) sees the same outcome.
    expect(await airlock.action(handle.actionId).result()).toMatchObject({ status: 'denied' });
  });

  it('tool() wraps one tool for an agent framework', async () => {
    const echo = airlock.tool<{ message: string }>('billing-bot', 'demo.echo');
    expect(await echo({ message: 'wrapped' }, { rationale: 'r', idempotencyKey: 'sdk-wrap' })).toMatchObject({ status: 'executed', output: { message: 'wrapped' } });
  });

  it('rejects bad input before anything starts, naming the field', async () => {
    await expect(airlock.run({ agentId: '', tool: 'demo.echo', args: {}, idempotencyKey: 'x' })).rejects.toThrow(InvalidRequestError);
    await expect(airlock.run({ agentId: 'billing-bot', tool: 'Not A Tool', args: {}, idempotencyKey: 'x' })).rejects.toThrow(/tool: dotted lower-case name/);
    await expect(airlock.run({ agentId: 'billing-bot', tool: 'demo.echo', args: {}, idempotencyKey: '' })).rejects.toThrow(/idempotencyKey/);
    // PostgreSQL cannot store NUL: refused here, not retried forever by admission.
    await expect(airlock.run({ agentId: 'billing-bot', tool: 'demo.echo', args: {}, idempotencyKey: 'a\u0000b' })).rejects.toThrow(/idempotencyKey: must not contain NUL characters/);
  });

  it('refuses a reused idempotency key with different arguments', async () => {
    await airlock.run({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'a' }, idempotencyKey: 'sdk-dup' });
    await expect(airlock.start({ agentId: 'billing-bot', tool: 'demo.echo', args: { message: 'b' }, idempotencyKey: 'sdk-dup' })).rejects.toThrow(IdempotencyConflictError);
  });
});
