import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';

/** A history the suite wrote that the current workflow code does not replay, with the bundle that failed it. */
export interface ReplayDefect {
  workflowId: string;
  bundle: string;
  message: string;
  savedTo: string;
}

/**
 * Replays every workflow history on the dev server (all the suite's real runs, every interleaving its machine
 * happened to produce) with each bundle, and returns the nondeterminism errors. The saved histories replay the
 * paths someone thought of; these are the orderings that actually occurred, recorded by workers with and without
 * tracing. Other replay failures (payloads encrypted by a codec test's key, a run cut off mid-task) are not about
 * determinism and are left out. Each failing history is written to `saveDir` for `npx tsx test/scripts/replay-one.ts`.
 */
export async function replaySuiteHistories(client: Client, bundles: Record<string, ReplayWorkerOptions>, saveDir: string): Promise<{ replayed: number; defects: ReplayDefect[] }> {
  const histories: { workflowId: string; history: temporal.api.history.v1.IHistory }[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({ namespace: 'default', pageSize: 1000, nextPageToken });
    for (const execution of page.executions ?? []) {
      const { workflowId, runId } = execution.execution ?? {};
      if (!workflowId || !runId) continue;
      histories.push({ workflowId: `${workflowId}/${runId}`, history: await client.workflow.getHandle(workflowId, runId).fetchHistory() });
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);

  const defects: ReplayDefect[] = [];
  const byId = new Map(histories.map((h) => [h.workflowId, h.history]));
  for (const [bundle, options] of Object.entries(bundles)) {
    for await (const result of Worker.runReplayHistories(options, histories)) {
      if (!result.error || !/nondetermin|TMPRL1100/i.test(result.error.message)) continue;
      await mkdir(saveDir, { recursive: true });
      const savedTo = path.join(saveDir, `${result.workflowId.replace(/[^A-Za-z0-9_.-]/g, '_')}.${bundle}.json`);
      await writeFile(savedTo, historyToJSON(byId.get(result.workflowId)!) + '\n');
      defects.push({ workflowId: result.workflowId, bundle, message: result.error.message, savedTo });
    }
  }
  return { replayed: histories.length, defects };
}
