import { randomBytes } from 'node:crypto';
import { AuditFeed, policyFromFile } from '@airlock/console';
import { createApiKey, createDb } from '@airlock/db';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { bareDecisionFloor, decisionToToolStart } from './approval.js';
import { StartProbe } from './start-probe.js';
import { benchPolicy } from './airlock/policy.js';
import { BENCH_APPROVER, createBenchAirlockWorker, seedBench } from './airlock/worker.js';
import { createBareWorker } from './bare/worker.js';
import { readConfig } from './config.js';
import { ensureConsoleBuilt } from './console-scale/console-server.js';
import type { DecisionChannel } from './decision/channel.js';
import { CONSOLE_CHANNEL_NAMES, startConsoleDecisions } from './decision/console.js';
import { directChannel } from './decision/direct.js';
import { restHandlerChannel } from './decision/rest.js';
import { startSlackDecisions } from './decision/slack.js';
import { Cleanup } from './infra/cleanup.js';
import { createScratchDatabase } from './infra/database.js';
import { loadAverage1m, machineInfo } from './infra/machine.js';
import { EAGER_ACTIVITY_ARGS, FAST_DISPATCH_ARGS, startTemporal, temporalCliPath } from './infra/temporal.js';
import { runInBackground } from './infra/workers.js';
import { sequentialInterleaved, throughputRounds } from './measure.js';
import { CpuProbe } from './profile/cpu.js';
import { runProfile } from './profile/index.js';
import { QueryCounter } from './profile/query-counter.js';
import { createStubAirlockWorker } from './profile/stub-worker.js';
import { formatText } from './report.js';
import { overheadTargets, type BenchResults } from './results.js';
import { median, summarize } from './stats.js';
import { bareRun, guardedRun } from './workloads.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(cleanup: Cleanup): Promise<void> {
  const config = readConfig(process.argv.slice(2), process.env);
  const loadAtStart = loadAverage1m();
  const suffix = randomBytes(3).toString('hex');
  const queues = { bare: `bench-bare-${suffix}`, airlock: `bench-airlock-${suffix}`, stub: `bench-stub-${suffix}` };

  if (!config.skipConsole) {
    // Before anything is measured: a build takes minutes on a busy machine.
    log('console: checking its build (next build --webpack when the tree changed)');
    await ensureConsoleBuilt(log);
  }
  log('starting Temporal dev server and a scratch PostgreSQL database');
  const temporalArgs = [...(config.fastDispatch ? FAST_DISPATCH_ARGS : []), ...(config.eagerActivities ? EAGER_ACTIVITY_ARGS : [])];
  const [temporal, scratch] = await Promise.all([
    startTemporal(config.temporalCli, temporalArgs).then((t) => (cleanup.add('Temporal dev server', () => t.teardown()), t)),
    createScratchDatabase(config.pgUrl).then((s) => (cleanup.add(`database ${s.name}`, () => s.drop()), s)),
  ]);
  const db = createDb(scratch.url);
  cleanup.add('database pool', () => db.close());
  // Without a listener an idle client's error (e.g. DROP DATABASE ... WITH (FORCE)
  // racing pool.end(), which does not wait for sockets to close) crashes the process.
  db.pool.on('error', (e) => log(`idle database client: ${e.message}`));
  const counter = new QueryCounter();
  counter.attach(db);
  await seedBench(db);

  const probe = new StartProbe();
  const policy = benchPolicy();
  const { connection, client } = temporal;
  const airlock = await createBenchAirlockWorker(connection, queues.airlock, db, policy, probe);
  for (const worker of [await createBareWorker(connection, queues.bare), airlock.worker]) {
    const running = runInBackground(worker);
    cleanup.add('worker', () => running.stop());
  }
  const variants = { bare: bareRun(client, queues.bare), guarded: guardedRun(client, queues.airlock) };

  log(`sequential: ${config.warmup} warm-up + ${config.n} runs per variant, interleaved`);
  const seq = await sequentialInterleaved(variants, config.n, config.warmup);
  log(`throughput: ${config.rounds} x ${config.batch} workflows per variant at concurrency ${config.concurrency}`);
  const throughput = await throughputRounds(variants, config.batch, config.concurrency, config.rounds, new CpuProbe(db, temporal.pid));
  // The channels' servers start only now, so they cost the phases above nothing.
  const apiKey = (await createApiKey(db, { userId: BENCH_APPROVER }, 'bench REST')).key;
  const stops: (() => Promise<void>)[] = [];
  const stopChannels = () => Promise.all(stops.splice(0).map((stop) => stop())).then(() => undefined);
  cleanup.add('decision channels', stopChannels);
  // The console's policy source serves dry runs and the policy page; a decision never reads it. Its audit feed
  // tells an approval's wait when the decision is stored, as in the console (runtime-context.ts); closed with
  // the channels, or its reads (one per audit NOTIFY) would count in the profile's round trips.
  const auditFeed = new AuditFeed(db, scratch.url);
  stops.push(() => Promise.resolve(auditFeed.close()));
  const apiContext = { db, temporal: client, taskQueue: queues.airlock, policy: policyFromFile(DEFAULT_POLICY_FILE), actionWatch: auditFeed };
  const channels: DecisionChannel[] = [directChannel(client), restHandlerChannel(apiContext, apiKey)];
  if (!config.skipConsole) {
    const consoleApp = await startConsoleDecisions(db, scratch.url, temporal.address, queues.airlock, log, config.consoleBaseline);
    stops.push(() => consoleApp.stop());
    channels.push(...consoleApp.channels);
  }
  const slack = await startSlackDecisions(db, scratch.url, client);
  stops.push(() => slack.stop());
  channels.push(slack.channel);
  log(`approval: ${config.approvals} decision -> tool start runs per channel (${channels.map((c) => c.key).join(', ')}, and bare Temporal's floor)`);
  const decisions = await decisionToToolStart(client, queues.airlock, probe, channels, config.approvals, Math.min(5, config.warmup), bareDecisionFloor(client, queues.bare));
  await stopChannels();

  let profile: BenchResults['profile'];
  if (config.profileRuns > 0) {
    log(`profile: ${config.profileRuns} runs each of bare, guarded with stub activities, guarded`);
    const stubWorker = runInBackground(await createStubAirlockWorker(connection, queues.stub, airlock.bundle));
    cleanup.add('stub worker', () => stubWorker.stop());
    profile = await runProfile(client, db, policy, counter, { ...variants, stub: guardedRun(client, queues.stub) }, config.profileRuns);
  }

  const sequential = { bare: summarize(seq.bare.map((t) => t.ms)), guarded: summarize(seq.guarded.map((t) => t.ms)) };
  const ratios = {
    p50: sequential.guarded.p50 / sequential.bare.p50,
    addedP50Ms: sequential.guarded.p50 - sequential.bare.p50,
    p99: sequential.guarded.p99 / sequential.bare.p99,
    throughput: median(throughput.guarded.workflowsPerSecond) / median(throughput.bare.workflowsPerSecond),
    nodeCpu: throughput.guarded.cpuMsPerRun.node / throughput.bare.cpuMsPerRun.node,
  };
  const notTimed = config.skipConsole ? CONSOLE_CHANNEL_NAMES.map((short) => ({ short, note: 'not timed: --skip-console' })) : [];
  const { pgUrl: _pgUrl, json: _json, ...shownConfig } = config;
  const results: BenchResults = {
    config: shownConfig,
    machine: await machineInfo(db, temporalCliPath(config.temporalCli), loadAtStart),
    temporalArgs,
    sequential,
    throughput,
    ratios,
    decisions,
    targets: overheadTargets({ ratios, decisions }, notTimed),
    ...(profile ? { profile } : {}),
  };
  process.stdout.write(config.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatText(results)}\n`);
}

const cleanup = new Cleanup(log);
cleanup.onSignals();
void main(cleanup)
  .then(
    () => 0,
    (error: unknown) => {
      console.error(error);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup.run();
    process.exit(code);
  });
