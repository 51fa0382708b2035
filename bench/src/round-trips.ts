// Counts the database round trips and statements of one auto-approved action
// (`admitAndRun` on demo.echo: admission, run, completion) and of an approved
// action's run (`runTool` with the decision it writes and its re-check: what a
// decision waits for before the tool starts), outside Temporal, on a scratch
// database: seconds instead of the full bench's minutes. For an approved run it also times the call
// to the tool body's start (p50), beside the client-observed time of its round trips: what is left
// is Node's (the activity's set-up, the re-check's policy, building the messages).
// Usage: npx tsx bench/src/round-trips.ts [runs]
import { createActivities, defaultActivityDeps } from '@airlock/activities';
import { ActionRequest, runIdempotencyKey, type GuardedActionInput } from '@airlock/core';
import { argsHash, deriveActionId } from '@airlock/core/hashing';
import { createAgent, createDb } from '@airlock/db';
import { performance } from 'node:perf_hooks';
import { MockActivityEnvironment } from '@temporalio/testing';
import { HIGH_TOOL, highRiskEchoTool } from './airlock/high-tool.js';
import { StartProbe } from './start-probe.js';
import { benchPolicy } from './airlock/policy.js';
import { BENCH_APPROVER, nextAgent, seedBench } from './airlock/worker.js';
import { readConfig } from './config.js';
import { nextId } from './ids.js';
import { createScratchDatabase } from './infra/database.js';
import { QueryCounter, type QueryStats } from './profile/query-counter.js';

const runs = Number(process.argv[2] ?? 20);
const scratch = await createScratchDatabase(readConfig([], process.env).pgUrl);
const db = createDb(scratch.url);
try {
  const counter = new QueryCounter();
  counter.attach(db);
  await seedBench(db);
  const probe = new StartProbe();
  const acts = createActivities(defaultActivityDeps(db, benchPolicy(), [highRiskEchoTool(probe)]));
  /** Call → tool body start of each approved run of HIGH_TOOL (the probe tool), ms. */
  const toBody: number[] = [];
  type FastPath = Awaited<ReturnType<typeof acts.admitAndRun>>;
  const inActivity = <T>(fn: () => Promise<T>) => new MockActivityEnvironment().run<[], T, () => Promise<T>>(fn);
  const admit = (tool: string, args?: Record<string, unknown>, agentId = nextAgent()) => {
    const key = nextId('rt');
    const request = ActionRequest.parse({ agentId, tool, args: args ?? { message: key }, rationale: 'benchmark', idempotencyKey: key });
    const input: GuardedActionInput = { actionId: deriveActionId('bench-rt', request.agentId, key), argsHash: argsHash(request.args), request };
    return { input, answer: inActivity<FastPath>(() => acts.admitAndRun(input)) };
  };
  const autoApproved = async () => {
    const { run } = await admit('demo.echo').answer;
    if (!run || !('completed' in run) || run.completed.status !== 'executed') throw new Error('demo.echo did not run');
  };
  // Admitted outside the count (round 1 opened); counted: the run that writes the approval, re-checks and claims.
  const approvedRuns = async (n: number, tool: string, args?: Record<string, unknown>, agentId?: string) => {
    const admitted: { input: GuardedActionInput; opened: { approvalId: string } }[] = [];
    for (let i = 0; i < n; i++) {
      const { input, answer } = admit(tool, args, agentId);
      const { opened } = await answer;
      if (!opened) throw new Error(`${tool} did not wait for an approval`);
      admitted.push({ input, opened });
    }
    return async () => {
      for (const { input, opened } of admitted) {
        const { actionId, argsHash: hash, request } = input;
        const decidedAt = new Date().toISOString();
        const decision = { approverId: BENCH_APPROVER, decision: 'approve' as const, channel: 'api' as const, round: 1, decidedAt };
        const sentAt = performance.now();
        const started = tool === HIGH_TOOL ? probe.waitFor(actionId) : undefined;
        await inActivity(() =>
          acts.runTool({
            actionId,
            tool: request.tool,
            args: request.args,
            idempotencyKey: runIdempotencyKey(actionId),
            completion: { kind: 'in_run', hold: null },
            agentId: request.agentId,
            recheck: { input, budgetHolder: actionId },
            settledRound: {
              decisions: [{ actionId, approvalId: opened.approvalId, round: 1, argsHash: hash, decision }],
              close: { actionId, approvalId: opened.approvalId, round: 1, closure: 'approved', reason: 'approved' },
            },
          }),
        );
        if (started) toBody.push((await started) - sentAt);
      }
    };
  };
  const count = async (label: string, work: () => Promise<unknown>) => {
    counter.take();
    counter.enabled = true;
    await work();
    counter.enabled = false;
    const stats: QueryStats = counter.take();
    console.log(`${label}, per run over ${runs} runs: ${stats.count / runs} round trips, ${stats.statements / runs} statements, ${(stats.ms / runs).toFixed(2)} ms in them`);
    for (const [kind, t] of Object.entries(stats.byKind))
      console.log(`  ${kind}: ${t.count / runs} round trips, ${t.statements / runs} statements, ${(t.ms / runs).toFixed(2)} ms`);
  };
  await autoApproved();
  await count('auto-approved action (admitAndRun, demo.echo)', async () => {
    for (let i = 0; i < runs; i++) await autoApproved();
  });
  const approved = await approvedRuns(runs, HIGH_TOOL);
  await count(`approved action's run (runTool on ${HIGH_TOOL}: the decision, the re-check, the claim, the tool, completion)`, approved);
  const sorted = [...toBody].sort((a, b) => a - b);
  console.log(`  call -> tool body starts: p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} ms (the claim's 2 round trips and Node's work between them)`);
  // A refund has a cost: admission reserves it on any budget in its currency, the run's re-check asks whether
  // a budget was added while it waited (no budget here). Over 50.00 it waits for an approver.
  await createAgent(db, { id: 'rt-refunds', team: 'bench', allowedTools: ['payments.*'] });
  const refund = (amount: string) => ({ paymentId: 'pay_rt', amount, currency: 'USD', reason: 'benchmark' });
  await count("auto-approved refund (admitAndRun on payments.refund, 20.00 USD; the refund's ledger transaction included)", async () => {
    for (let i = 0; i < runs; i++) await admit('payments.refund', refund('20.00'), 'rt-refunds').answer;
  });
  const refunds = await approvedRuns(runs, 'payments.refund', refund('125.00'), 'rt-refunds');
  await count(`approved refund's run (runTool on payments.refund, 125.00 USD: the same, with a cost to re-check; the refund's ledger write included)`, refunds);
  await count('admission of a refund that waits for an approver (admitAndRun on payments.refund, 125.00 USD)', async () => {
    for (let i = 0; i < runs; i++) await admit('payments.refund', refund('125.00'), 'rt-refunds').answer;
  });
} finally {
  await db.close();
  await scratch.drop();
}
