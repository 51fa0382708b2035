import path from 'node:path';
import { runProcess } from '@airlock/core/spawn';
import { getActionStatus } from '@airlock/core/gateway';
import { deriveActionId } from '@airlock/core/hashing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { hookInput, startCodingAgentAirlock, type CodingAgentAirlock } from '../support/claude-code-hook.js';

// `airlock hook claude-code` as Claude Code runs it: a real process per hook event, the hook JSON
// on stdin, the decision JSON on stdout; Airlock's REST API, worker, Temporal and PostgreSQL real,
// with the example coding-agent policy.

let airlock: CodingAgentAirlock;

beforeAll(async () => {
  airlock = await startCodingAgentAirlock();
});
afterAll(async () => {
  await airlock?.close();
});

let uses = 0;
const nextUseId = () => `toolu_${++uses}_${Date.now().toString(36)}`;
const actionIdOf = (toolUseId: string) => deriveActionId(airlock.h.taskQueue, 'claude', `claude-code:session-1:${toolUseId}`);

async function decideWhenPending(actionId: string, decision: 'approve' | 'deny', feedback?: string) {
  let status = await getActionStatus(airlock.h.client, actionId).catch(() => undefined);
  while (status?.phase !== 'awaiting_approval') status = await getActionStatus(airlock.h.client, actionId).catch(() => undefined);
  const res = await fetch(`${airlock.api.url}/api/v1/actions/${actionId}/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${airlock.keys.alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision, argsHash: status.argsHash, ...(feedback ? { feedback } : {}) }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe('airlock hook claude-code', { timeout: 180_000 }, () => {
  it('allows a command the policy deems safe at once, and PostToolUse records its result', async () => {
    const id = nextUseId();
    const { answer, code } = await airlock.runHook(hookInput('PreToolUse', 'Bash', { command: 'ls -la src', description: 'List files' }, id));
    expect(code).toBe(0);
    expect(answer.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'allow' });
    const post = await airlock.runHook(
      hookInput('PostToolUse', 'Bash', { command: 'ls -la src', description: 'List files' }, id, { tool_response: { stdout: 'a.ts', stderr: '', interrupted: false } }),
    );
    expect(post.answer).toEqual({ suppressOutput: true });
    expect((await getActionStatus(airlock.h.client, actionIdOf(id))).outcome).toMatchObject({ status: 'executed', output: { stdout: 'a.ts' } });
  });

  it('waits for a person on a risky command and allows it once approved', async () => {
    const id = nextUseId();
    const hook = airlock.runHook(hookInput('PreToolUse', 'Bash', { command: 'rm -rf build' }, id));
    await decideWhenPending(actionIdOf(id), 'approve');
    const { answer } = await hook;
    expect(answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'allow' });
    expect(answer.hookSpecificOutput?.permissionDecisionReason).toContain(actionIdOf(id));
  });

  it('denies with the approver’s feedback for the model', async () => {
    const id = nextUseId();
    const hook = airlock.runHook(hookInput('PreToolUse', 'Bash', { command: 'git push --force origin main' }, id));
    await decideWhenPending(actionIdOf(id), 'deny', 'never force-push main; open a pull request');
    const { answer } = await hook;
    expect(answer.hookSpecificOutput?.permissionDecision).toBe('deny');
    // No comment with the denial: its reason is "denied by alice", so the name is given once.
    expect(answer.hookSpecificOutput?.permissionDecisionReason).toBe(`Denied in Airlock by alice. Feedback: never force-push main; open a pull request (action ${actionIdOf(id)})`);
  });

  it('edits inside the project pass; outside it a person decides, and nobody deciding in time withdraws the request', async () => {
    const inside = await airlock.runHook(hookInput('PreToolUse', 'Edit', { file_path: '/repo/src/a.ts', old_string: 'a', new_string: 'b' }, nextUseId()));
    expect(inside.answer.hookSpecificOutput?.permissionDecision).toBe('allow');
    const id = nextUseId();
    const outside = await airlock.runHook(hookInput('PreToolUse', 'Write', { file_path: '/etc/hosts', content: '0.0.0.0 example.com' }, id), { wait: '1' });
    expect(outside.answer.hookSpecificOutput?.permissionDecision).toBe('deny');
    expect(outside.answer.hookSpecificOutput?.permissionDecisionReason).toMatch(/No decision in Airlock within 1 s/);
    let status = await getActionStatus(airlock.h.client, actionIdOf(id));
    while (!status.outcome) status = await getActionStatus(airlock.h.client, actionIdOf(id));
    expect(status.outcome).toMatchObject({ status: 'cancelled' });
  });

  it('fails closed: unreadable input, no key or a wrong key is a deny with the reason', async () => {
    const notJson = await airlock.runHook('{not json');
    expect(notJson.answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/not JSON/) });
    const missing = await airlock.runHook(JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse', tool_input: {} }));
    expect(missing.answer.hookSpecificOutput?.permissionDecisionReason).toMatch(/tool_name/);
    const unset = await airlock.runHook(hookInput('PreToolUse', 'Bash', { command: 'ls' }, nextUseId()), { env: { AIRLOCK_URL: airlock.api.url } });
    expect(unset.answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/AIRLOCK_API_KEY is not set/) });
    const empty = await airlock.runHook(hookInput('PreToolUse', 'Bash', { command: 'ls' }, nextUseId()), { env: { AIRLOCK_URL: airlock.api.url, AIRLOCK_API_KEY: '' } });
    expect(empty.answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/AIRLOCK_API_KEY is not set/) });
    const wrong = await airlock.runHook(hookInput('PreToolUse', 'Bash', { command: 'ls' }, nextUseId()), { env: { AIRLOCK_URL: airlock.api.url, AIRLOCK_API_KEY: 'alk_wrong' } });
    expect(wrong.answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/Airlock refused the request/) });
  });

  it('fails closed on its own settings too: a bad --wait is a deny naming it; an option it does not know exits 2, which blocks the call', async () => {
    // Claude Code runs the call on any exit but 2: an error exit (1, before) let it through unrecorded.
    const call = hookInput('PreToolUse', 'Bash', { command: 'rm -rf settings-check' }, nextUseId());
    for (const wait of ['10m', '100000']) {
      const bad = await airlock.runHook(call, { wait });
      expect(bad.code, wait).toBe(0);
      expect(bad.answer.hookSpecificOutput, wait).toMatchObject({
        permissionDecision: 'deny',
        permissionDecisionReason: expect.stringContaining(`--wait: seconds from 0 to 86400, got "${wait}"`),
      });
    }
    const unknown = await runProcess(
      'the hook with a typo',
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      [path.join(repoRoot, 'apps/cli/src/main.ts'), 'hook', 'claude-code', '--wiat', '5'],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AIRLOCK_URL: airlock.api.url, AIRLOCK_API_KEY: airlock.keys.agent },
        input: call,
      },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--wiat'/);
    // Nothing was asked of Airlock for either.
    expect(await airlock.h.db.prisma.action.count({ where: { tool: 'claude_code.bash', args: { path: ['command'], equals: 'rm -rf settings-check' } } })).toBe(0);
  });
});
