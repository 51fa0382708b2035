import { defaultActivityDeps, type PolicySource } from '@airlock/activities';
import { createAgent, createUser, type Db } from '@airlock/db';
import { bundleWorkflows, createAirlockWorker } from '@airlock/worker';
import type { NativeConnection, Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { StartProbe } from '../start-probe.js';
import { highRiskEchoTool } from './high-tool.js';

/**
 * Runs rotate over several agents so the default policy's per-agent rate limit
 * (agent-burst: 600 a minute, deny) never trips; its check still runs every time.
 */
export const BENCH_AGENTS = Array.from({ length: 16 }, (_, i) => `bench-agent-${i}`);
export const BENCH_APPROVER = 'bench-approver';
/** The address the fake Slack API reports for every Slack user, so a click maps to the approver. */
export const BENCH_APPROVER_EMAIL = 'bench-approver@example.test';

/** What the policy reads of each bench agent (the REST handler's forecast reads the same from the key's row). */
export const BENCH_AGENT_PROFILE = { team: 'bench', allowedTools: ['demo.*', 'bench.*'] };

let turn = 0;
export const nextAgent = (): string => BENCH_AGENTS[turn++ % BENCH_AGENTS.length]!;

/** The agents that submit and a person who may approve (no agent's owner, so separation of duties allows it). */
export async function seedBench(db: Db): Promise<void> {
  await createUser(db, { id: BENCH_APPROVER, email: BENCH_APPROVER_EMAIL, role: 'approver' });
  for (const id of BENCH_AGENTS) await createAgent(db, { id, ...BENCH_AGENT_PROFILE });
}

export interface AirlockWorker {
  worker: Worker;
  bundle: WorkflowBundleWithSourceMap;
}

/** The workflow bundle as the worker makes it; AIRLOCK_WORKFLOW_STACK_TRACES=true measures it with the SDK's stack traces kept. */
export const benchWorkflowBundle = (): Promise<WorkflowBundleWithSourceMap> => bundleWorkflows({ stackTraces: process.env.AIRLOCK_WORKFLOW_STACK_TRACES === 'true' });

/** Airlock's own worker, composed as production does, plus the benchmark's high-risk tool. */
export async function createBenchAirlockWorker(connection: NativeConnection, taskQueue: string, db: Db, policy: PolicySource, probe: StartProbe): Promise<AirlockWorker> {
  const bundle = await benchWorkflowBundle();
  const worker = await createAirlockWorker({
    connection,
    namespace: 'default',
    taskQueue,
    db,
    workflowBundle: bundle,
    deps: defaultActivityDeps(db, policy, [highRiskEchoTool(probe)]),
  });
  return { worker, bundle };
}
