import { defaultActivityDeps, defineTool } from '@airlock/activities';
import { parseAuditEvent, PLAN_TOOL, type ActionOutcome, type ActionRequestInput } from '@airlock/core';
import { actionHandle, awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { OUTPUT_NOT_STORABLE, REPORT_ERROR_MAX_LENGTH, REPORT_OUTPUT_JSON_MAX_LENGTH, REPORT_OUTPUT_MAX_BYTES, type UnstorableOutput } from '@airlock/core/report-storage';
import { getOutcome, schemas } from '@airlock/console';
import { createAgent, createApiKey } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { builtinTools } from '@airlock/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRequest, contextOf, expectJson } from '../api/client.js';
import { waitForStatus } from '../support/actions.js';
import { seedTeam, startHarness, type Harness } from '../support/harness.js';
import { marker, testSandbox } from '../sandbox/support.js';

// A tool the worker runs has run, whatever its output or error holds: the outcome it records and
// returns through Temporal must be storable and within Temporal's 2 MB payload limit, or the
// activity's completion (or the workflow's) is refused for ever, and a run whose record fails is
// run again by the retry. Outputs are stored as storableRunResult says (@airlock/core/report-storage).

const MB3 = Array.from({ length: 30 }, (_, i) => `${i}`.padEnd(100_000, 'x')); // each field within the JSON limits; 3 MB in all
const runs = new Map<string, number>();
const counted =
  <T>(name: string, result: () => T) =>
  async (): Promise<T> => {
    runs.set(name, (runs.get(name) ?? 0) + 1);
    return result();
  };
const noArgs = z.object({}).strict();
const tools = [
  defineTool({ name: 'big.output', description: 'a 3 MB output', args: noArgs, execute: counted('big.output', () => MB3) }),
  defineTool({ name: 'big.approved', description: 'a 3 MB output, after approval', args: noArgs, execute: counted('big.approved', () => MB3) }),
  defineTool({ name: 'big.nul', description: 'an output PostgreSQL cannot store', args: noArgs, execute: counted('big.nul', () => ({ text: 'a\u0000b', n: 1 })) }),
  defineTool({ name: 'big.bigint', description: 'an output with no JSON form', args: noArgs, execute: counted('big.bigint', () => ({ id: 12n })) }),
  defineTool({
    name: 'big.error',
    description: 'fails with a 3 MB message',
    args: noArgs,
    execute: counted('big.error', () => {
      throw new Error(`boom ${'e'.repeat(3_000_000)}`);
    }),
  }),
  defineTool({ name: 'big.step', description: 'a 900 KB output, within the limit alone', args: noArgs, execute: counted('big.step', () => MB3.slice(0, 9)) }),
];

const policy = compilePolicy(
  `apiVersion: airlock/v1
defaults:
  unmatched: require_approval
  approval: { role: approver, quorum: 1, deadline: 1h, timeout: deny }
rules:
  - id: big
    tools: [big.output, big.nul, big.bigint, big.error, big.step, shell.exec]
    tier: low
    outcome: allow
    reason: test tools
  - id: big-approved
    tools: [big.approved]
    tier: high
    outcome: require_approval
    reason: a person looks first
`,
  'tool-output-size.yaml',
);

let h: Harness;
let agentKey: string;
beforeAll(async () => {
  const sandbox = await testSandbox();
  const shell = builtinTools({ shell: { limits: { maxOutputBytes: 1024 * 1024 } } }, { sandbox });
  h = await startHarness({ deps: (db) => defaultActivityDeps(db, { current: () => policy }, [...tools, ...shell]) });
  await seedTeam(h.db);
  await createAgent(h.db, { id: 'big-bot', team: 'ops', allowedTools: ['big.*', 'shell.*', PLAN_TOOL] });
  agentKey = (await createApiKey(h.db, { agentId: 'big-bot' })).key;
});

/** What the agent gets from GET /api/v1/actions/:id/outcome (the recorded outcome, else the workflow's result). */
const restOutcome = (actionId: string) =>
  expectJson(getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome?waitMs=20000`, { key: agentKey }), contextOf(h), { id: actionId }), 200, schemas.ActionOutcome);
afterAll(async () => {
  await h?.close();
});

const request = (tool: string, args: Record<string, unknown> = {}): ActionRequestInput => ({
  agentId: 'big-bot',
  tool,
  args,
  rationale: 'output size',
  idempotencyKey: marker(tool),
});

/**
 * The outcome, or after `ms` an error saying where the action is stuck: its pending activities (attempts,
 * last failure), the workflow's failed tasks, how many times each tool ran and the run's record.
 */
async function outcomeWithin(actionId: string, ms = 25_000): Promise<ActionOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const outcome = awaitOutcome(h.client, actionId);
  try {
    const first = await Promise.race([outcome, timeout]);
    if (first !== 'timeout') return first;
  } finally {
    clearTimeout(timer);
    outcome.catch(() => undefined);
  }
  const handle = actionHandle(h.client, actionId);
  const described = await handle.describe();
  const pending = (described.raw.pendingActivities ?? []).map((a) => ({
    activity: a.activityType?.name,
    attempt: a.attempt,
    lastFailure: a.lastFailure?.message?.slice(0, 300),
  }));
  const history = await handle.fetchHistory();
  const failedTasks = (history.events ?? []).flatMap((e) =>
    e.workflowTaskFailedEventAttributes ? [{ cause: e.workflowTaskFailedEventAttributes.cause, message: e.workflowTaskFailedEventAttributes.failure?.message?.slice(0, 300) }] : [],
  );
  const executions = await h.db.prisma.toolExecution.findMany({ where: { actionId }, select: { idempotencyKey: true, status: true } });
  const evidence = {
    status: described.status.name,
    historyLength: described.historyLength,
    pending,
    failedTasks: failedTasks.slice(-3),
    failedTaskCount: failedTasks.length,
    runs: Object.fromEntries(runs),
    executions,
  };
  console.log(`STUCK ${actionId}: ${JSON.stringify(evidence, null, 2)}`);
  throw new Error(`no outcome within ${ms} ms: ${JSON.stringify(evidence)}`);
}

async function auditOf(actionId: string) {
  const rows = await h.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' } });
  return rows.map((row) => ({ type: row.type, payload: row.payload as Record<string, unknown>, parsed: parseAuditEvent(row.type, row.payload) }));
}

/** The stored shape of an output that could not be returned as sent, checked against what the run's record and the action's row hold. */
async function expectStoredShape(actionId: string, outcome: ActionOutcome, problem: RegExp): Promise<UnstorableOutput> {
  expect(outcome.status).toBe('executed');
  const output = (outcome as Extract<ActionOutcome, { status: 'executed' }>).output as UnstorableOutput;
  expect(output).toEqual({ airlock: OUTPUT_NOT_STORABLE, problem: expect.stringMatching(problem), json: expect.any(String) });
  expect(output.json.length).toBeLessThanOrEqual(REPORT_OUTPUT_JSON_MAX_LENGTH);
  // What the workflow returned (GET /api/v1/actions/:id/outcome answers it) is what was recorded.
  const execution = await h.db.prisma.toolExecution.findFirstOrThrow({ where: { actionId } });
  expect(execution.status).toBe('succeeded');
  expect(execution.result).toEqual(output);
  const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
  expect(row.status).toBe('executed');
  expect(row.outcome).toEqual(outcome);
  expect(await restOutcome(actionId)).toEqual(outcome);
  const succeeded = (await auditOf(actionId)).find((e) => e.type === 'tool.succeeded')!;
  expect(succeeded.payload).toEqual({
    tool: expect.any(String),
    resultAltered: { field: 'output', problem: output.problem, ...(output.json.includes('[cut by Airlock') ? { cutCharacters: expect.any(Number) } : {}) },
  });
  // The catalogue knows the field (its schema would drop an unknown one).
  expect(succeeded.parsed.payload).toEqual(succeeded.payload);
  return output;
}

describe('a worker-run tool whose output or error cannot be returned as it is', () => {
  it('a 3 MB output of an action run at admission: recorded executed in the stored shape, the tool run once', async () => {
    const bytes = JSON.stringify(MB3).length;
    expect(bytes).toBeGreaterThan(2 * 1024 * 1024);
    const { actionId } = await submitAction(h.client, h.taskQueue, request('big.output'));
    const outcome = await outcomeWithin(actionId);
    const output = await expectStoredShape(actionId, outcome, new RegExp(`^output: JSON of ${bytes} bytes; at most ${REPORT_OUTPUT_MAX_BYTES} stored as sent$`));
    expect(output.json.startsWith(JSON.stringify(MB3).slice(0, 1000))).toBe(true);
    expect(runs.get('big.output')).toBe(1);
  });

  it('a 3 MB output of an approved action (the run activity): the same', async () => {
    const { actionId, argsHash } = await submitAction(h.client, h.taskQueue, request('big.approved'));
    await waitForStatus(h.client, actionId, (s) => s.phase === 'awaiting_approval');
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    const outcome = await outcomeWithin(actionId);
    await expectStoredShape(actionId, outcome, /^output: JSON of \d+ bytes/);
    expect(runs.get('big.approved')).toBe(1);
  });

  it('an output PostgreSQL cannot store (a NUL): recorded in the stored shape, never run again', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, request('big.nul'));
    const outcome = await outcomeWithin(actionId);
    const output = await expectStoredShape(actionId, outcome, /^output\.text: must not contain NUL characters/);
    expect(output.json).toBe('{"text":"a\\u0000b","n":1}');
    expect(runs.get('big.nul')).toBe(1);
  });

  it('an output with no JSON form (a BigInt): recorded in the stored shape, never run again', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, request('big.bigint'));
    const outcome = await outcomeWithin(actionId);
    const output = await expectStoredShape(actionId, outcome, /^output\.id: a bigint is not a JSON value/);
    expect(output.json).toBe('{"id":"12"}');
    expect(runs.get('big.bigint')).toBe(1);
  });

  it('a 3 MB error: recorded failed, the message cut and marked, tool.failed says so', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, request('big.error'));
    const outcome = await outcomeWithin(actionId);
    expect(outcome).toMatchObject({ status: 'failed', error: expect.stringMatching(/^boom e+… \[cut by Airlock: \d+ of 3000005 characters\]$/) });
    const error = (outcome as Extract<ActionOutcome, { status: 'failed' }>).error;
    expect(error.length).toBeLessThanOrEqual(REPORT_ERROR_MAX_LENGTH);
    const execution = await h.db.prisma.toolExecution.findFirstOrThrow({ where: { actionId } });
    expect(execution).toMatchObject({ status: 'failed', error });
    expect(await restOutcome(actionId)).toEqual(outcome);
    const failed = (await auditOf(actionId)).find((e) => e.type === 'tool.failed')!;
    expect(failed.payload).toEqual({
      tool: 'big.error',
      error,
      resultAltered: { field: 'error', problem: 'error: string of 3000005 characters; at most 4000 kept', cutCharacters: 3000005 - error.indexOf('…') },
    });
    expect(failed.parsed.payload).toEqual(failed.payload);
    expect(runs.get('big.error')).toBe(1);
  });

  it('~1.6 MB of stdout and stderr from the sandboxed shell: recorded executed in the stored shape', async () => {
    const script = 'head -c 800000 /dev/zero | tr "\\0" o; head -c 800000 /dev/zero | tr "\\0" e >&2';
    const { actionId } = await submitAction(h.client, h.taskQueue, request('shell.exec', { command: ['sh', '-c', script] }));
    const outcome = await outcomeWithin(actionId);
    const output = await expectStoredShape(actionId, outcome, /^output: JSON of \d+ bytes; at most 1048576 stored as sent$/);
    expect(output.json).toMatch(/^\{"exitCode":0,"signal":null,"stdout":"ooo/);
  });

  it('200 KB of control bytes on stdout and on stderr (within the shell tool default of 256 KiB per stream): 2.4 MB of JSON, the same', async () => {
    // JSON writes each byte 0x01 as \u0001: six bytes.
    const script = 'head -c 200000 /dev/zero | tr "\\0" "\\1"; head -c 200000 /dev/zero | tr "\\0" "\\1" >&2';
    const { actionId } = await submitAction(h.client, h.taskQueue, request('shell.exec', { command: ['sh', '-c', script] }));
    const outcome = await outcomeWithin(actionId);
    const output = await expectStoredShape(actionId, outcome, /^output: JSON of 24001\d\d bytes; at most 1048576 stored as sent$/);
    expect(output.json).toMatch(/^\{"exitCode":0,"signal":null,"stdout":"\\u0001\\u0001/);
  });

  it('a shell command that prints a NUL byte (find -print0, a binary file): recorded executed in the stored shape, run once', async () => {
    const name = marker('nul');
    const { actionId } = await submitAction(h.client, h.taskQueue, request('shell.exec', { command: ['printf', `${name}\\0done`] }));
    const outcome = await outcomeWithin(actionId);
    const output = await expectStoredShape(actionId, outcome, /^output\.stdout: must not contain NUL characters/);
    expect(output.json).toContain(`"stdout":"${name}\\u0000done"`);
    // The run's activity completed at its first attempt: a retry would have run the command again (its record had failed).
    const history = await actionHandle(h.client, actionId).fetchHistory();
    const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
    expect(attempts).toEqual([1]);
  });

  it('a plan of steps each within the limit, together over it: the plan outcome is stored in the same shape', async () => {
    const steps = Array.from({ length: 3 }, () => ({ tool: 'big.step', args: {} }));
    const { actionId } = await submitAction(h.client, h.taskQueue, request(PLAN_TOOL, { steps }));
    const outcome = await outcomeWithin(actionId);
    expect(outcome.status).toBe('executed');
    const output = (outcome as Extract<ActionOutcome, { status: 'executed' }>).output as UnstorableOutput;
    expect(output).toEqual({ airlock: OUTPUT_NOT_STORABLE, problem: expect.stringMatching(/^output: JSON of \d+ bytes/), json: expect.any(String) });
    const row = await h.db.prisma.action.findUniqueOrThrow({ where: { id: actionId } });
    expect(row.outcome).toEqual(outcome);
    expect(await restOutcome(actionId)).toEqual(outcome);
    const completed = (await auditOf(actionId)).find((e) => e.type === 'action.completed')!;
    expect(completed.payload).toEqual({ status: 'executed', actionId, resultAltered: { field: 'output', problem: output.problem, cutCharacters: expect.any(Number) } });
    expect(completed.parsed.payload).toEqual(completed.payload);
    expect(runs.get('big.step')).toBe(3);
  });
});
