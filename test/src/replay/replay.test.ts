import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it, inject } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { quietTemporalRuntime } from '../support/runtime.js';

// Saved histories of real runs (recorded by test/scripts/record-histories.ts). A
// workflow change that would make any of them replay differently fails here, before it
// can break actions that are waiting in production.
const historiesDir = path.join(repoRoot, 'test/histories');
const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();

describe('workflow replay of saved histories', () => {
  it('has histories of every main path', () => {
    expect(files).toEqual(['approved.json', 'auto-approved.json', 'cancelled.json', 'denied.json', 'edited.json', 'expired.json', 'plan-compensated.json', 'quorum.json', 'tool-failed.json']);
  });

  it.each(files)('%s replays deterministically with the current workflow code', async (file) => {
    quietTemporalRuntime();
    const workflowBundle = JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
    const history = JSON.parse(await readFile(path.join(historiesDir, file), 'utf8')) as temporal.api.history.v1.IHistory;
    await expect(Worker.runReplayHistory({ workflowBundle }, history, `replay-${file}`)).resolves.toBeUndefined();
  });
});
