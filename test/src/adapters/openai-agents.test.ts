import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resumeRefund, startRefund } from '@airlock/examples/openai-agents-refund';
import type { Airlock } from '@airlock/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnChild } from '../support/child.js';
import { apiError, startAirlockServer, type AirlockServer } from './airlock-server.js';

const repoRoot = join(import.meta.dirname, '../../..');
const example = join(repoRoot, 'examples/src/openai-agents-refund.ts');

let server: AirlockServer;
let airlock: Airlock;
let dir: string;

beforeAll(async () => {
  server = await startAirlockServer();
  airlock = await server.connect();
  dir = await mkdtemp(join(tmpdir(), 'airlock-openai-agents-'));
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the example as its own process (as a person would from a shell); resolves with its output once it exits 0. */
async function runExample(args: string[]): Promise<string> {
  const child = await spawnChild('openai-agents example', join(repoRoot, 'node_modules/.bin/tsx'), [example, ...args], {
    cwd: repoRoot,
    env: { ...process.env, AIRLOCK_URL: server.api.url, AIRLOCK_API_KEY: server.keys.agent },
  });
  const status = await child.exited;
  expect(status, child.output()).toEqual({ code: 0, signal: null });
  return child.output();
}

describe('the OpenAI Agents SDK example (needsApproval decided by Airlock)', () => {
  it('run without a key or with a bad URL, says in one line what to set and which command prints a key (exit 2)', { timeout: 180_000 }, async () => {
    const { AIRLOCK_API_KEY: _key, ...withoutKey } = process.env;
    const missing = await spawnChild('example without a key', join(repoRoot, 'node_modules/.bin/tsx'), [example, 'start', '25.00', join(dir, 'unused.json')], {
      cwd: repoRoot,
      env: { ...withoutKey, AIRLOCK_URL: server.api.url },
    });
    expect(await missing.exited, missing.output()).toEqual({ code: 2, signal: null });
    expect(missing.output().trim()).toBe(
      'AIRLOCK_API_KEY is not set: set it to the agent key `npm start` printed on its first start, or mint one: `npm run airlock -- keys mint --agent demo-agent`',
    );

    const badUrl = await spawnChild('example with a bad URL', join(repoRoot, 'node_modules/.bin/tsx'), [example, 'start', '25.00', join(dir, 'unused.json')], {
      cwd: repoRoot,
      env: { ...withoutKey, AIRLOCK_URL: 'localhost:3000', AIRLOCK_API_KEY: server.keys.agent },
    });
    expect(await badUrl.exited, badUrl.output()).toEqual({ code: 2, signal: null });
    expect(badUrl.output().trim()).toBe('AIRLOCK_URL: must be an http(s) URL, got "localhost:3000"');
  });

  it('runs a refund the policy allows without interrupting the run', async () => {
    const started = await startRefund({ airlock, amount: '25.00', callId: 'oa-auto' });
    expect(started).toMatchObject({ done: true, refunds: [{ paymentId: 'pay_123', amount: '25.00' }] });
    expect(started.done && started.answer).toBe('Refund done: {"refundId":"re_pay_123","amount":"25.00"}');
  });

  // Two tsx processes start here: more time than the default on a busy machine.
  it('survives a restart: one process stops at the interruption, a person approves, another process finishes the run', { timeout: 180_000 }, async () => {
    const file = join(dir, 'run.json');
    const first = await runExample(['start', '125.00', file]);
    const actionId = /waiting for a person in Airlock: (\S+)/.exec(first)?.[1];
    expect(actionId, first).toBeDefined();
    await server.awaitingApproval(actionId!);
    await server.decide(actionId!, 'approve');

    const second = await runExample(['resume', file]);
    expect(second).toMatch(/Refund done: .*re_pay_123.*125\.00/);
    // The agent's run is on Airlock's record as executed, with the output it reported.
    expect(await airlock.authorization(actionId!)).toMatchObject({ status: 'executed', output: expect.stringContaining('re_pay_123') });
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveProperty('savedState');
  });

  it('runs the refund with the arguments an approver edited, and the model reads what changed', async () => {
    const started = await startRefund({ airlock, amount: '125.00', callId: 'oa-edit' });
    if (started.done) throw new Error('expected the run to wait for a person');
    const [actionId] = started.waitingOn;
    await server.awaitingApproval(actionId!);
    await server.decide(actionId!, 'approve', { editedArgs: { paymentId: 'pay_123', amount: '40.00', currency: 'USD', reason: 'duplicate charge' } });

    const run = await resumeRefund({ airlock, amount: '125.00', callId: 'oa-edit', savedState: started.savedState });
    expect(run.refunds).toEqual([{ paymentId: 'pay_123', amount: '40.00', currency: 'USD', reason: 'duplicate charge' }]);
    expect(run.answer).toBe('Refund done: {"refundId":"re_pay_123","amount":"40.00"}\nAn approver in Airlock changed the arguments before it ran: amount "125.00" → "40.00".');
  });

  it('rejects a denied refund with the approver’s feedback as the message the model reads', async () => {
    const started = await startRefund({ airlock, amount: '125.00', callId: 'oa-deny' });
    if (started.done) throw new Error('expected the run to wait for a person');
    expect(started.waitingOn).toHaveLength(1);
    const [actionId] = started.waitingOn;
    await server.awaitingApproval(actionId!);
    await server.decide(actionId!, 'deny', { feedback: 'ask the customer first' });

    const run = await resumeRefund({ airlock, amount: '125.00', callId: 'oa-deny', savedState: started.savedState });
    expect(run.refunds).toEqual([]);
    expect(run.answer).toMatch(/^Refund denied: Airlock refused refund: .*denied by alice\. Feedback: ask the customer first/);
  });
});

describe('a refund whose report does not reach Airlock', () => {
  it('the model reads the refund, a retry of the same call refunds nothing more, and the report lands once Airlock takes it', async () => {
    // A blip (retried), then a console that refuses the report, then one that takes it.
    const flaky = await server.connect({
      report: (attempt) => (attempt === 1 ? apiError(503, 'unavailable', 'restarting') : attempt === 2 ? apiError(500, 'internal', 'the report store is down') : undefined),
    });
    const args = { paymentId: 'pay_123', amount: '27.00', currency: 'USD', reason: 'duplicate charge' };
    const { actionId } = await airlock.authorize({ tool: 'payments.refund', args, idempotencyKey: 'openai-agents:oa-unreported' });

    const first = await startRefund({ airlock: flaky, amount: '27.00', callId: 'oa-unreported' });
    expect(first).toMatchObject({ done: true, refunds: [{ amount: '27.00' }] });
    expect(first.done && first.answer).toBe('Refund done: {"refundId":"re_pay_123","amount":"27.00"}');
    expect(await airlock.authorization(actionId)).toMatchObject({ status: 'authorized' });

    const again = await startRefund({ airlock: flaky, amount: '27.00', callId: 'oa-unreported' });
    expect(again).toMatchObject({ done: true, refunds: [], answer: first.done && first.answer });
    expect(await airlock.authorization(actionId)).toMatchObject({ status: 'executed', output: '{"refundId":"re_pay_123","amount":"27.00"}' });
  });
});
