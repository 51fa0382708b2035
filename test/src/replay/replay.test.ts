import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflows } from '@airlock/worker';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { quietTemporalRuntime } from '../support/runtime.js';

// Saved histories of real runs (recorded by test/scripts/record-histories.ts). A
// workflow change that would make any of them replay differently fails here, before it
// can break actions that are waiting in production.
const historiesDir = path.join(repoRoot, 'test/histories');
const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();

async function history(file: string): Promise<temporal.api.history.v1.IHistory> {
  return JSON.parse(await readFile(path.join(historiesDir, file), 'utf8')) as temporal.api.history.v1.IHistory;
}

describe('workflow replay of saved histories', () => {
  it('has histories of every main path', () => {
    const scenarios = ['agent-run', 'approved', 'auto-approved', 'cancelled', 'denied', 'edited', 'expired', 'plan-compensated', 'quorum', 'tool-failed'];
    // -v2: recorded after decisions moved to a normal activity and the run started waiting for cancellation (patched()).
    // -v3: after completion got one home (the fast path and an approved run complete the action themselves) and an approved run re-checks itself.
    // -v4: after an approval that settles its round came to be written by the run it lets start.
    // -v5: after admission came to open the first approval round in its own commit.
    // -v6: after one patch came to stand for the approval path's six (workflows/src/patches.ts): no markers in the decision's task.
    // -v7: submitted with the REST handler's approval forecast: an action expected to wait is admitted in its first workflow task.
    // -v8: after the patches asked after a local activity came to be answered in the first activation (admission-in-first-task-v2,
    // agent-run-patches-at-start, plan-patches-at-start): where a local activity's result lands no longer decides a patch.
    const generations = ['-v2', '-v3', '-v4', '-v5', '-v6', '-v7', '-v8', ''];
    // Paths with a history of their own: a gate-only run claimed (claimRun: one runner's claim taken, the same runner again) and reported;
    // an approved gate-only run reported after acceptance (agent-report-recorded-after-accept) with no claim; a plan's failing
    // compensation resolved by a person, each resolution written after acceptance (compensation-resolution-recorded-after-accept).
    // Recorded with `npm run histories:record -- --paths` (the last two). A claim whose recording ended in the task that
    // brought the authorization's end (its expiry's timer, a kill switch's cancellation): told not to run
    // (run-claim-answered-as-of-its-task), saved from agent-run-claim-overlap.test's one-task cases. An edit still under
    // review at a 'timeout: approve' deadline, settling the round first (edit-review-before-timeout), from qa/edit-at-deadline.test.
    // A 'timeout: approve' round with a deny against its quorum whose third approver was disabled meanwhile: denied at the
    // deadline, not run (lost-standing-before-timeout), and its control (nobody lost standing: the patch asked, the round
    // timed out and ran), both from qa/lost-approver-quorum.test. Decisions still being written at a deadline that times the round
    // out, counted first (decision-writes-before-timeout): a deny at 'timeout: approve' (denied), two approvals at 'timeout: deny'
    // (run), and the control (nothing in flight: timed out and ran), from qa/decision-write-at-deadline.test. A plan's rollback after
    // a failed step, cancelled midway and not cut short (failed-plan-rollback-not-cancellable), from workflow/plan-rollback-cancel.test.
    // A cancellation (an operator's, a kill switch's) reaching an auto-approved refund while admission's activity runs it: from
    // before the run was waited for (the workflow moved on, outcome cancelled) and after (fast-path-waits-for-cancellation: the
    // refund that went through is the outcome; a tool that stops ends it cancelled), from workflow/fast-path-cancel.test.
    // A decision accepted while the cancellation closed the round (before the validator refused it: left to the run,
    // never written), and a cancellation arriving while an edit's round 2 was opened, from before the opening outlived it
    // (its row left open) and after (round-opening-outlives-cancellation: opened, then closed cancelled), from
    // workflow/cancel-while-approving.test. An escalation step that resolved the approvers again, before and after it kept
    // those who decided and recounted (escalation-keeps-deciders-and-recounts): a disabled approver dropped after a deny
    // (ran at the deadline; denied at the step) and a demoted approver who had approved (denied by the next deny; approved
    // by three), from qa/lost-approver-quorum.test.
    const paths = [
      'agent-run-claim-ended-by-cancel',
      'agent-run-claim-ended-by-expiry',
      'agent-run-claimed',
      'agent-run-reported',
      'approvals-written-at-deadline',
      'decision-while-cancelling',
      'deny-written-at-deadline',
      'edited-at-deadline',
      'escalation-decider-dropped',
      'escalation-decider-kept',
      'escalation-lost-standing-before-recount',
      'escalation-lost-standing-recounted',
      'fast-path-cancelled-before-wait',
      'fast-path-cancelled-stopped',
      'fast-path-cancelled-waited',
      'fast-path-switched-before-wait',
      'fast-path-switched-waited',
      'lost-standing-at-deadline',
      'nothing-written-at-deadline',
      'plan-compensation-resolved',
      'plan-rollback-cancelled',
      'round-opening-cancelled',
      'round-opening-outlives-cancel',
      'standing-kept-at-deadline',
    ];
    expect(files).toEqual([...scenarios.flatMap((s) => generations.map((g) => `${s}${g}.json`)), ...paths.map((p) => `${p}.json`)].sort());
  });

  it('the workflow bundle carries no zod: each cached workflow evaluates its own copy of every module it imports', async () => {
    const workflowBundle = JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
    // Workflow code takes values from @airlock/core/workflow only (types from @airlock/core, erased); see packages/core/src/messages.ts.
    expect(workflowBundle.code).toContain('packages/core/src/messages.ts');
    expect(workflowBundle.code).not.toMatch(/node_modules\/zod\//);
  });

  it.each(files)('%s replays deterministically with the current workflow code', async (file) => {
    quietTemporalRuntime();
    const workflowBundle = JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
    await expect(Worker.runReplayHistory({ workflowBundle }, await history(file), `replay-${file}`)).resolves.toBeUndefined();
  });
});

// Turning tracing or stack traces on (or off) must not change what a workflow does: the
// histories were recorded without the interceptors (the older ones with stack traces, the
// shipped bundle has them off), and a running action may see either kind of worker.
describe('workflow replay with the tracing interceptors bundled in and stack traces on', () => {
  let tracedBundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    tracedBundle = await bundleWorkflows({ tracing: true, stackTraces: true });
  }, 120_000);

  // The span sink must exist (a traced bundle looks it up), though replay never calls it.
  const sinks = { exporter: { export: { fn: () => undefined } } };

  it.each(files)('%s replays deterministically with tracing and stack traces on', async (file) => {
    quietTemporalRuntime();
    await expect(Worker.runReplayHistory({ workflowBundle: tracedBundle, sinks }, await history(file), `replay-traced-${file}`)).resolves.toBeUndefined();
  });
});

// Histories a traced worker wrote while a traced client decided (test/histories/traced): the decision's update carries a
// trace header, so the tracing interceptors wrap its handler. approved.json (observability/tracing.test's approval, since
// round-ends-after-answers) replays with the interceptors and without: tracing may be turned off while actions wait.
// approved-before-answers-first.json is the same path recorded before that patch (its timer cancelled before the update
// completed: the race the patch removed); it replays on traced workers as before, and cannot replay without them.
describe('workflow replay of histories recorded with tracing on', () => {
  const tracedDir = path.join(historiesDir, 'traced');
  let tracedBundle: WorkflowBundleWithSourceMap;
  let tracedFiles: string[];
  beforeAll(async () => {
    tracedBundle = await bundleWorkflows({ tracing: true });
    tracedFiles = (await readdir(tracedDir)).filter((f) => f.endsWith('.json')).sort();
  }, 120_000);
  const sinks = { exporter: { export: { fn: () => undefined } } };
  const read = async (file: string) => JSON.parse(await readFile(path.join(tracedDir, file), 'utf8')) as temporal.api.history.v1.IHistory;

  it('holds the approval recorded since the patch and the one from before it', () => {
    expect(tracedFiles).toEqual(['approved-before-answers-first.json', 'approved.json']);
  });

  it.each(['approved.json', 'approved-before-answers-first.json'])('%s replays with tracing on', async (file) => {
    quietTemporalRuntime();
    await expect(Worker.runReplayHistory({ workflowBundle: tracedBundle, sinks }, await read(file), `replay-traced-${file}`)).resolves.toBeUndefined();
  });

  it('approved.json replays with tracing off', async () => {
    quietTemporalRuntime();
    const workflowBundle = JSON.parse(await readFile(inject('workflowBundlePath'), 'utf8')) as WorkflowBundleWithSourceMap;
    await expect(Worker.runReplayHistory({ workflowBundle }, await read('approved.json'), 'replay-plain-traced-approved')).resolves.toBeUndefined();
  });
});
