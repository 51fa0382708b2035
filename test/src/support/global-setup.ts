import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflows } from '@airlock/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { temporalCliPath } from './binaries.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

/** One real Temporal dev server and one workflow bundle for the whole run. */
export default async function setup(project: TestProject) {
  const cli = temporalCliPath();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ...(cli ? { executable: { type: 'existing-path' as const, path: cli } } : {}),
      ui: false,
      // The CLI's stock dispatch, not npm start's settings (DEV_SERVER_DYNAMIC_CONFIG): with them the whole tier took
      // 1,144 s against 987 s on one machine (6 Dec 2026, the same commit, nothing else running), its files slower
      // nearly everywhere. The latency they buy is the benchmark's to measure (`--fast-dispatch --eager-activities`).
      extraArgs: ['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true'],
    },
  });
  // No console build here: the files that start the console build it when stale (ensureConsoleBuilt,
  // under a lock), so a run without them does not spend minutes of CPU on `next build`.
  const bundle = await bundleWorkflows();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-bundle-'));
  const bundlePath = path.join(dir, 'workflow-bundle.json');
  await writeFile(bundlePath, JSON.stringify(bundle));
  project.provide('temporalAddress', env.connection.options.address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await env.teardown();
  };
}
