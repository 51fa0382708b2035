import { describe, expect, it } from 'vitest';
import { decisionsOf, parseTimeline, timelineReport } from './core-timeline.js';

// Lines as BENCH_CORE_LOG writes them (Core's compact format, ANSI colours included; the SDK's
// trace lines from worker-child.ts), cut short after the parts the timeline reads.
const core = (time: string, text: string) => `\x1b[2m2026-12-05T07:37:${time}Z\x1b[0m \x1b[34mDEBUG\x1b[0m ${text}`;
const js = (time: string, text: string, run: string) => `2026-12-05T07:37:${time}Z JS TRACE ${text} run_id=${run}`;
const REPLAYED = '01a24522-0436-7953-aa7d-7217e978f9b7';
const CACHED = '01a24522-02a4-7d72-940c-aeea027d93ea';

const log = [
  // A cached workflow: its admission completed long before; the decision's task has one activation.
  core('20.000000', `workflow_stream: New WFT run_id=${CACHED} action=NewWft(…)`),
  core('20.000400', `Sending activation to lang activation=WorkflowActivation(run_id: ${CACHED}, is_replaying: false, jobs: InitializeWorkflow(…)`),
  core('20.003000', `wf bridge iteration fetch in_cmds=[ScheduleLocalActivity(1, admit)] run_id=${CACHED}`),
  core('20.010000', `Marking WFT completed completion=WorkflowActivationCompletion(run_id: ${CACHED}, …)`),
  core('22.909654', `workflow_stream: New WFT run_id=${CACHED} action=NewWft(…)`),
  core('22.910244', `Sending activation to lang activation=WorkflowActivation(run_id: ${CACHED}, is_replaying: false, jobs: DoUpdate(bf0a))`),
  js('22.912032', 'Got workflow activation', CACHED),
  core('22.918350', `wf bridge iteration fetch in_cmds=[UpdateResponse(…)] completion=WorkflowActivationCompletion(run_id: ${CACHED}, …)`),
  core('22.918523', `Sending responses to server commands=[ProtocolMessage,ScheduleActivityTask] completion=WorkflowActivationCompletion(run_id: ${CACHED}, …)`),
  core('22.921791', `Adding 1 activity tasks received from WFT complete completion=WorkflowActivationCompletion(run_id: ${CACHED}, …)`),
  core('22.921862', `Marking WFT completed completion=WorkflowActivationCompletion(run_id: ${CACHED}, …)`),
  js('22.922226', 'Got activity task', CACHED),
  js('22.922913', 'Starting activity', CACHED),
  // An evicted workflow: partial history, the fetch, three activations (start, admission's marker, the update).
  core('22.968052', `workflow_stream: New WFT run_id=${REPLAYED} action=NewWft(…)`),
  core('22.968425', `Workflow task has partial history, but workflow is not in cache. Will fetch history run_id="${REPLAYED}"`),
  core('22.972606', `workflow_stream: New WFT run_id=${REPLAYED} action=NewWft(…)`),
  core('22.973011', `Sending activation to lang activation=WorkflowActivation(run_id: ${REPLAYED}, is_replaying: true, jobs: InitializeWorkflow(…), NotifyHasPatch)`),
  core('22.979493', `wf bridge iteration fetch in_cmds=[SetPatchMarker(…),ScheduleLocalActivity(1, admit)] completion=WorkflowActivationCompletion(run_id: ${REPLAYED}, …)`),
  core('22.980034', `Sending activation to lang activation=WorkflowActivation(run_id: ${REPLAYED}, is_replaying: true, jobs: ResolveActivity(1, Completed))`),
  core('22.989403', `wf bridge iteration fetch in_cmds=[StartTimer(1)] completion=WorkflowActivationCompletion(run_id: ${REPLAYED}, …)`),
  core('22.989985', `Sending activation to lang activation=WorkflowActivation(run_id: ${REPLAYED}, is_replaying: false, jobs: DoUpdate(2bfb))`),
  core('22.995096', `wf bridge iteration fetch in_cmds=[UpdateResponse(…)] completion=WorkflowActivationCompletion(run_id: ${REPLAYED}, …)`),
  core('22.995230', `Sending responses to server commands=[ProtocolMessage,ScheduleActivityTask] completion=WorkflowActivationCompletion(run_id: ${REPLAYED}, …)`),
  core('23.000869', `Adding 1 activity tasks received from WFT complete completion=WorkflowActivationCompletion(run_id: ${REPLAYED}, …)`),
  js('23.001279', 'Got activity task', REPLAYED),
  js('23.002412', 'Starting activity', REPLAYED),
  core('23.003964', `Marking WFT completed completion=WorkflowActivationCompletion(run_id: ${REPLAYED}, …)`),
  '[bench] pending: an unstamped line is skipped',
].join('\n');

describe('the Core timeline of a decision', () => {
  const decisions = decisionsOf(parseTimeline(log));
  const replayed = decisions.find((d) => d.replayed)!;
  const cached = decisions.find((d) => !d.replayed)!;

  it('finds one decision per DoUpdate activation, and which of them replayed first', () => {
    expect(decisions).toHaveLength(2);
    expect(replayed).toBeDefined();
    expect(cached).toBeDefined();
  });

  it('splits a replayed decision: the fetch, each activation, the completion, the activity', () => {
    expect(replayed['fetch history (not cached)']).toBeCloseTo(4.959, 2);
    expect(replayed['activation 1: start (replay)']).toBeCloseTo(6.482, 2);
    expect(replayed['activation 2: admission (replay)']).toBeCloseTo(9.369, 2);
    expect(replayed['activation 3: the update']).toBeCloseTo(5.111, 2);
    expect(replayed['Core between activations']).toBeCloseTo(0.541 + 0.582, 2);
    expect(replayed['completion RPC (server)']).toBeCloseTo(5.639, 2);
    expect(replayed['activity → SDK']).toBeCloseTo(0.41, 2);
    expect(replayed['SDK → activity starts']).toBeCloseTo(1.133, 2);
    expect(replayed['task on the worker (Core)']).toBeCloseTo(35.912, 2);
  });

  it('gives a cached decision its one activation and no replay phases', () => {
    expect(cached['fetch history (not cached)']).toBeUndefined();
    expect(cached['activation 1: start (replay)']).toBeUndefined();
    expect(cached['activation 3: the update']).toBeCloseTo(8.106, 2);
    expect(cached['completion RPC (server)']).toBeCloseTo(3.268, 2);
    expect(cached['task on the worker (Core)']).toBeCloseTo(12.208, 2);
  });

  it('reports both groups', () => {
    const report = timelineReport(decisions);
    expect(report).toContain('replayed: fetch history (not cached)');
    expect(report).toContain('cached: activation 3: the update');
    expect(report).not.toContain('cached: fetch history');
  });
});
