import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultActivityDeps } from '@airlock/activities';
import { awaitOutcome, decideAction, getActionStatus, submitAction } from '@airlock/core/gateway';
import { createAgent, createDb, createUser, type Db } from '@airlock/db';
import { DEFAULT_POLICY_FILE, PolicyStore } from '@airlock/policy/files';
import { startSlackApp } from '@airlock/slack';
import { bundleWorkflows, createAirlockWorker } from '@airlock/worker';
import type { Client } from '@temporalio/client';
import { createScratchDatabase } from './infra/database.js';
import { FAST_DISPATCH_ARGS, startTemporal } from './infra/temporal.js';
import { runInBackground } from './infra/workers.js';
import { summarize } from './stats.js';
import { f1, table } from './table.js';

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

/** The least of Slack's Web API the app needs, answering at once; resolves waiters on each post or update. */
async function startFakeSlack() {
  const posts = new Map<string, { channel: string; ts: string; blocks: unknown[] }>();
  const updates = new Map<string, { at: number; text: string }[]>();
  const waiters = new Set<() => void>();
  let counter = 0;
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      const args = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      let body: Record<string, unknown> = { ok: true };
      if (method === 'auth.test') body = { ok: true, user_id: 'U_BOT', bot_id: 'B_BOT', team_id: 'T_BENCH' };
      else if (method === 'chat.postMessage') {
        const ts = `${1_800_000_000 + ++counter}.000000`;
        const blocks = JSON.parse(args.blocks ?? '[]') as unknown[];
        const value = approveButton(blocks)?.value;
        if (value) posts.set((JSON.parse(value) as { actionId: string }).actionId, { channel: args.channel!, ts, blocks });
        body = { ok: true, channel: args.channel, ts };
      } else if (method === 'chat.update') {
        const key = `${args.channel}:${args.ts}`;
        updates.set(key, [...(updates.get(key) ?? []), { at: Date.now(), text: args.text ?? '' }]);
      } else if (method === 'users.info') {
        body = { ok: true, user: { id: args.user, is_email_confirmed: true, profile: { email: 'approver@example.test' } } };
      } else if (method === 'users.lookupByEmail') body = { ok: false, error: 'users_not_found' };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const until = <T>(find: () => T | undefined, what: string, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    posted: (actionId: string) => until(() => posts.get(actionId), `the approval message of ${actionId}`),
    updatedTo: (channel: string, ts: string, marker: string) =>
      until(() => updates.get(`${channel}:${ts}`)?.find((u) => u.text.startsWith(marker))?.at, `an update to "${marker}"`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type ActionsBlock = { type: 'actions'; block_id: string; elements: { action_id: string; value?: string }[] };

function approveButton(blocks: unknown[]): (ActionsBlock['elements'][number] & { block_id: string }) | undefined {
  const actions = blocks.find((b): b is ActionsBlock => (b as { type?: string }).type === 'actions');
  const approve = actions?.elements.find((e) => e.action_id === 'airlock_approve');
  return approve && { ...approve, block_id: actions!.block_id };
}

function signedClick(message: { channel: string; ts: string; blocks: unknown[] }): { body: string; headers: Record<string, string> } {
  const approve = approveButton(message.blocks);
  if (!approve) throw new Error('the approval message has no Approve button');
  const payload = {
    type: 'block_actions',
    user: { id: 'U_APPROVER', username: 'approver', team_id: 'T_BENCH' },
    team: { id: 'T_BENCH', domain: 'bench' },
    api_app_id: 'A_BENCH',
    trigger_id: `trigger.${randomBytes(6).toString('hex')}`,
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel },
    channel: { id: message.channel, name: 'approvals' },
    message: { type: 'message', ts: message.ts, blocks: message.blocks },
    actions: [{ type: 'button', action_id: approve.action_id, block_id: approve.block_id, value: approve.value, action_ts: `${Date.now() / 1000}` }],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature } };
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
  const fake = await startFakeSlack();
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
        workflowBundle: await bundleWorkflows(),
        deps: defaultActivityDeps(db, new PolicyStore(DEFAULT_POLICY_FILE)),
      }),
    );
    stops.unshift(() => worker.stop());
    const slack = await startSlackApp({
      env: {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.url,
        AIRLOCK_SLACK_ROUTES: JSON.stringify({ default: 'C_APPROVALS' }),
        AIRLOCK_SLACK_PORT: '0',
        AIRLOCK_SLACK_HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
      },
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
      const request = signedClick(message);
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
