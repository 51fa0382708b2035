import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflows } from '@airlock/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { temporalCliPath } from './binaries.js';
import { replaySuiteHistories } from './replay-suite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

/**
 * One real Temporal dev server and one workflow bundle for the whole run. At the end, before the server
 * goes, every history the run wrote is replayed with and without tracing (replay-suite.ts): a
 * nondeterminism error fails the run, with the history saved.
 */
export default async function setup(project: TestProject) {
  // The replays below fail tasks on purpose when a history is bad; only the summary is worth reading.
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Installed already (a watch-mode rerun in this process).
  }
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
    try {
      const saveDir = path.join(dir, 'nondeterministic');
      const traced = await bundleWorkflows({ tracing: true });
      const sinks = { exporter: { export: { fn: () => undefined } } };
      const { replayed, defects } = await replaySuiteHistories(env.client, { shipped: { workflowBundle: bundle }, traced: { workflowBundle: traced, sinks } }, saveDir);
      console.log(`Replayed the ${replayed} workflow histories of this run with and without tracing: ${defects.length} nondeterministic`);
      if (defects.length > 0) {
        const lines = defects.map(
          (d) => `  ${d.workflowId} (${d.bundle} bundle): ${(/\[TMPRL1100\][^"]*/.exec(d.message)?.[0] ?? d.message).slice(0, 400)}\n    saved: ${d.savedTo}`,
        );
        // Vitest reports an error thrown here but still exits 0: the exit code must say it.
        console.error(`Workflow histories this run wrote do not replay with the current code:\n${lines.join('\n')}`);
        process.exitCode = 1;
      }
    } catch (error) {
      // The same here: a check that could not run must not pass.
      console.error('Could not replay the workflow histories of this run:', error);
      process.exitCode = 1;
    } finally {
      await env.teardown();
    }
  };
}
