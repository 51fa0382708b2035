import { randomBytes } from 'node:crypto';
import { defaultActivityDeps } from '@airlock/activities';
import { awaitOutcome, decideAction, getActionStatus, submitAction } from '@airlock/core/gateway';
import { createAgent, createDb, createUser, type Db } from '@airlock/db';
import { DEFAULT_POLICY_FILE, PolicyStore } from '@airlock/policy/files';
import { startSlackApp } from '@airlock/slack';
import { createAirlockWorker } from '@airlock/worker';
import type { Client } from '@temporalio/client';
import { benchWorkflowBundle } from './airlock/worker.js';
import { createScratchDatabase } from './infra/database.js';
import { FAST_DISPATCH_ARGS, startTemporal } from './infra/temporal.js';
import { runInBackground } from './infra/workers.js';
import { signedClick } from './slack/click.js';
import { startFakeSlack } from './slack/fake-api.js';
import { summarize } from './stats.js';
import { f1, table } from './table.js';
import { benchSlackEnv } from './slack/app-env.js';

// Click-to-tool-start latency through Slack: a correctly signed "Approve" click
// on the real Bolt HTTP receiver → Slack user resolved → decision (workflow
// update) → re-check → tool.started audit row. Same run, same actions, as a
// baseline: the decision sent straight through the gateway (what the REST API does).
//
//   npx tsx bench/src/slack-latency.ts [--runs=30] [--warmup=3] [--fast-dispatch]
//
// Real Temporal dev server and PostgreSQL (scratch database); Slack's Web API is a
// loopback fake that answers at once, so the figures are Airlock's own overhead.

const SIGNING_SECRET = randomBytes(16).toString('hex');
const BOT_TOKEN = 'xoxb-bench';

interface Options {
  runs: number;
  warmup: number;
  fastDispatch: boolean;
  pgUrl: string;
  temporalCli: string | undefined;
}

function readOptions(argv: readonly string[]): Options {
  const flag = (name: string) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const count = (name: string, fallback: number) => {
    const raw = flag(name)?.split('=')[1];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
    return value;
  };
  return {
    runs: count('runs', 30),
    warmup: count('warmup', 3),
    fastDispatch: flag('fast-dispatch') !== undefined,
    pgUrl: process.env.AIRLOCK_BENCH_PG_URL ?? process.env.AIRLOCK_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    temporalCli: process.env.TEMPORAL_CLI_PATH,
  };
}

async function auditTime(db: Db, actionId: string, type: string): Promise<number> {
  const row = await db.prisma.auditEvent.findFirstOrThrow({ where: { actionId, type }, select: { createdAt: true } });
  return row.createdAt.getTime();
}

async function untilAwaitingApproval(client: Client, actionId: string): Promise<string> {
  for (const started = Date.now(); Date.now() - started < 30_000; await new Promise((r) => setTimeout(r, 5))) {
    try {
      const status = await getActionStatus(client, actionId);
      if (status.phase === 'awaiting_approval') return status.argsHash;
    } catch {
      // The first workflow task may not have run yet.
    }
  }
  throw new Error(`${actionId} never reached awaiting_approval`);
}

let sequence = 0;
const refund = () => ({
  agentId: 'billing-bot',
  tool: 'payments.refund',
  args: { paymentId: 'pay_bench', amount: '125.00', currency: 'USD', reason: 'benchmark' },
  rationale: 'benchmark',
  idempotencyKey: `slack-bench-${process.pid}-${++sequence}`,
});

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  const temporal = await startTemporal(options.temporalCli, options.fastDispatch ? [...FAST_DISPATCH_ARGS] : []);
  const scratch = await createScratchDatabase(options.pgUrl);
  const db = createDb(scratch.url);
  const fake = await startFakeSlack('approver@example.test');
  const taskQueue = `slack-bench-${randomBytes(3).toString('hex')}`;
  const stops: (() => Promise<void>)[] = [() => temporal.teardown(), () => db.close(), () => scratch.drop(), () => fake.close()];
  try {
    await createUser(db, { id: 'approver', email: 'approver@example.test', role: 'approver' });
    await createAgent(db, { id: 'billing-bot', team: 'billing', allowedTools: ['payments.*'] });
    const worker = runInBackground(
      await createAirlockWorker({
        connection: temporal.connection,
        namespace: 'default',
        taskQueue,
        db,
        workflowBundle: await benchWorkflowBundle(),
        deps: defaultActivityDeps(db, new PolicyStore(DEFAULT_POLICY_FILE)),
      }),
    );
    stops.unshift(() => worker.stop());
    const slack = await startSlackApp({
      env: benchSlackEnv({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: fake.url }),
      db,
      databaseUrl: scratch.url,
      temporal: temporal.client,
    });
    if (!slack?.url) throw new Error('the Slack app did not start');
    stops.unshift(() => slack.stop());

    const samples = { clickToToolStart: [] as number[], clickAck: [] as number[], clickToDecision: [] as number[], clickToMessage: [] as number[], apiToToolStart: [] as number[] };
    for (let i = 0; i < options.warmup + options.runs; i++) {
      const keep = i >= options.warmup;

      // Slack: the notifier posts the message; the click is timed from the moment it is sent.
      const viaSlack = await submitAction(temporal.client, taskQueue, refund());
      const message = await fake.posted(viaSlack.actionId);
      const request = signedClick(message, SIGNING_SECRET);
      const t0 = Date.now();
      const response = await fetch(slack.url, { method: 'POST', headers: request.headers, body: request.body });
      const acked = Date.now();
      if (response.status !== 200) throw new Error(`the click was refused (${response.status})`);
      const shown = fake.updatedTo(message.channel, message.ts, 'Approved');
      if ((await awaitOutcome(temporal.client, viaSlack.actionId)).status !== 'executed') throw new Error('the approved refund did not run');
      if (keep) {
        samples.clickAck.push(acked - t0);
        samples.clickToDecision.push((await auditTime(db, viaSlack.actionId, 'approval.decision')) - t0);
        samples.clickToToolStart.push((await auditTime(db, viaSlack.actionId, 'tool.started')) - t0);
        samples.clickToMessage.push((await shown) - t0);
      } else {
        await shown;
      }

      // Baseline: the same kind of action, decided through the gateway.
      const viaApi = await submitAction(temporal.client, taskQueue, refund());
      const argsHash = await untilAwaitingApproval(temporal.client, viaApi.actionId);
      const t1 = Date.now();
      await decideAction(temporal.client, viaApi.actionId, { approverId: 'approver', decision: 'approve', channel: 'api', argsHash });
      if ((await awaitOutcome(temporal.client, viaApi.actionId)).status !== 'executed') throw new Error('the approved refund did not run');
      if (keep) samples.apiToToolStart.push((await auditTime(db, viaApi.actionId, 'tool.started')) - t1);
    }

    const row = (label: string, values: number[]) => {
      const s = summarize(values);
      return [label, String(s.n), f1(s.p50), f1(s.p90), f1(s.p99), f1(s.mean), f1(s.max)];
    };
    const slackP50 = summarize(samples.clickToToolStart).p50;
    const apiP50 = summarize(samples.apiToToolStart).p50;
    console.log(`Slack click → tool start (ms; ${options.runs} runs after ${options.warmup} warm-up; fast dispatch ${options.fastDispatch ? 'on' : 'off'})`);
    console.log(
      table(
        ['measure', 'n', 'p50', 'p90', 'p99', 'mean', 'max'],
        [
          row('signed click → tool.started', samples.clickToToolStart),
          row('  signed click → HTTP 200 (ack)', samples.clickAck),
          row('  signed click → approval.decision', samples.clickToDecision),
          row('  signed click → message shows approved', samples.clickToMessage),
          row('baseline: decideAction → tool.started', samples.apiToToolStart),
        ],
      ),
    );
    console.log(`Slack overhead at p50: ${f1(slackP50 - apiP50)} ms (${(slackP50 / apiP50).toFixed(2)}x the gateway path)`);
  } finally {
    for (const stop of stops) await stop().catch((error: unknown) => console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
  }
}

await main();
