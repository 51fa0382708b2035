import path from 'node:path';
import { defaultActivityDeps } from '@airlock/activities';
import { getAgentSelf, getAuthorization, policyFromFile, postActionCancel, postAuthorization, postDecision, postReport, postClaim, type ApiContext } from '@airlock/console';
import { getActionStatus } from '@airlock/core/gateway';
import { runProcess } from '@airlock/core/spawn';
import { deriveActionId } from '@airlock/core/hashing';
import { createAgent, createApiKey } from '@airlock/db';
import { PolicyStore } from '@airlock/policy/files';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/api-server.js';
import { startHarness, seedTeam, type Harness } from '../support/harness.js';

// `airlock hook claude-code` as Claude Code runs it: a real process per hook event, the hook JSON
// on stdin, the decision JSON on stdout; Airlock's REST API, worker, Temporal and PostgreSQL real,
// with the example coding-agent policy.

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const policyFile = path.join(repoRoot, 'packages/policy/policies/coding-agent.yaml');
let h: Harness;
let api: ApiServer;
let keys: { agent: string; alice: string };

beforeAll(async () => {
  h = await startHarness({ deps: (db) => defaultActivityDeps(db, new PolicyStore(policyFile)) });
  await seedTeam(h.db);
  await createAgent(h.db, { id: 'claude', team: 'eng', ownerId: 'owner', allowedTools: ['claude_code.*'] });
  keys = { agent: (await createApiKey(h.db, { agentId: 'claude' })).key, alice: (await createApiKey(h.db, { userId: 'alice' })).key };
  const ctx: ApiContext = { db: h.db, temporal: h.client, taskQueue: h.taskQueue, policy: policyFromFile(policyFile) };
  api = await startApiServer(ctx, [
    { method: 'GET', path: '/api/v1/agents/me', handler: getAgentSelf },
    { method: 'POST', path: '/api/v1/authorizations', handler: postAuthorization },
    { method: 'GET', path: '/api/v1/actions/:id/authorization', handler: getAuthorization },
    { method: 'POST', path: '/api/v1/actions/:id/claim', handler: postClaim },
    { method: 'POST', path: '/api/v1/actions/:id/report', handler: postReport },
    { method: 'POST', path: '/api/v1/actions/:id/decisions', handler: postDecision },
    { method: 'POST', path: '/api/v1/actions/:id/cancel', handler: postActionCancel },
  ]);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

interface HookAnswer {
  hookSpecificOutput?: { hookEventName: string; permissionDecision: 'allow' | 'deny'; permissionDecisionReason: string };
  suppressOutput?: boolean;
}

/** Runs the hook as Claude Code does; resolves with its parsed stdout and exit code. */
async function runHook(stdin: string, options: { wait?: string; env?: Record<string, string> } = {}): Promise<{ answer: HookAnswer; code: number | null }> {
  const { stdout, stderr, code } = await runProcess(
    'the Claude Code hook',
    path.join(repoRoot, 'node_modules/.bin/tsx'),
    [path.join(repoRoot, 'apps/cli/src/main.ts'), 'hook', 'claude-code', '--wait', options.wait ?? '60'],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(options.env ?? { AIRLOCK_URL: api.url, AIRLOCK_API_KEY: keys.agent }) },
      input: stdin,
    },
  );
  try {
    return { answer: JSON.parse(stdout) as HookAnswer, code };
  } catch {
    throw new Error(`the hook printed no JSON (exit ${code}): ${stdout}\n${stderr}`);
  }
}

let uses = 0;
function hookInput(event: 'PreToolUse' | 'PostToolUse', tool: string, toolInput: Record<string, unknown>, toolUseId: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    session_id: 'session-1',
    transcript_path: '/tmp/transcript.jsonl',
    cwd: '/repo',
    permission_mode: 'default',
    hook_event_name: event,
    tool_name: tool,
    tool_input: toolInput,
    tool_use_id: toolUseId,
    ...extra,
  });
}
const nextUseId = () => `toolu_${++uses}_${Date.now().toString(36)}`;
const actionIdOf = (toolUseId: string) => deriveActionId(h.taskQueue, 'claude', `claude-code:session-1:${toolUseId}`);

async function decideWhenPending(actionId: string, decision: 'approve' | 'deny', feedback?: string) {
  let status = await getActionStatus(h.client, actionId).catch(() => undefined);
  while (status?.phase !== 'awaiting_approval') status = await getActionStatus(h.client, actionId).catch(() => undefined);
  const res = await fetch(`${api.url}/api/v1/actions/${actionId}/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision, argsHash: status.argsHash, ...(feedback ? { feedback } : {}) }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe('airlock hook claude-code', { timeout: 180_000 }, () => {
  it('allows a command the policy deems safe at once, and PostToolUse records its result', async () => {
    const id = nextUseId();
    const { answer, code } = await runHook(hookInput('PreToolUse', 'Bash', { command: 'ls -la src', description: 'List files' }, id));
    expect(code).toBe(0);
    expect(answer.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'allow' });
    const post = await runHook(
      hookInput('PostToolUse', 'Bash', { command: 'ls -la src', description: 'List files' }, id, { tool_response: { stdout: 'a.ts', stderr: '', interrupted: false } }),
    );
    expect(post.answer).toEqual({ suppressOutput: true });
    expect((await getActionStatus(h.client, actionIdOf(id))).outcome).toMatchObject({ status: 'executed', output: { stdout: 'a.ts' } });
  });

  it('waits for a person on a risky command and allows it once approved', async () => {
    const id = nextUseId();
    const hook = runHook(hookInput('PreToolUse', 'Bash', { command: 'rm -rf build' }, id));
    await decideWhenPending(actionIdOf(id), 'approve');
    const { answer } = await hook;
    expect(answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'allow' });
    expect(answer.hookSpecificOutput?.permissionDecisionReason).toContain(actionIdOf(id));
  });

  it('denies with the approver’s feedback for the model', async () => {
    const id = nextUseId();
    const hook = runHook(hookInput('PreToolUse', 'Bash', { command: 'git push --force origin main' }, id));
    await decideWhenPending(actionIdOf(id), 'deny', 'never force-push main; open a pull request');
    const { answer } = await hook;
    expect(answer.hookSpecificOutput?.permissionDecision).toBe('deny');
    // No comment with the denial: its reason is "denied by alice", so the name is given once.
    expect(answer.hookSpecificOutput?.permissionDecisionReason).toBe(`Denied in Airlock by alice. Feedback: never force-push main; open a pull request (action ${actionIdOf(id)})`);
  });

  it('edits inside the project pass; outside it a person decides, and nobody deciding in time withdraws the request', async () => {
    const inside = await runHook(hookInput('PreToolUse', 'Edit', { file_path: '/repo/src/a.ts', old_string: 'a', new_string: 'b' }, nextUseId()));
    expect(inside.answer.hookSpecificOutput?.permissionDecision).toBe('allow');
    const id = nextUseId();
    const outside = await runHook(hookInput('PreToolUse', 'Write', { file_path: '/etc/hosts', content: '0.0.0.0 example.com' }, id), { wait: '1' });
    expect(outside.answer.hookSpecificOutput?.permissionDecision).toBe('deny');
    expect(outside.answer.hookSpecificOutput?.permissionDecisionReason).toMatch(/No decision in Airlock within 1 s/);
    let status = await getActionStatus(h.client, actionIdOf(id));
    while (!status.outcome) status = await getActionStatus(h.client, actionIdOf(id));
    expect(status.outcome).toMatchObject({ status: 'cancelled' });
  });

  it('fails closed: unreadable input, no key or a wrong key is a deny with the reason', async () => {
    const notJson = await runHook('{not json');
    expect(notJson.answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/not JSON/) });
    const missing = await runHook(JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse', tool_input: {} }));
    expect(missing.answer.hookSpecificOutput?.permissionDecisionReason).toMatch(/tool_name/);
    const unset = await runHook(hookInput('PreToolUse', 'Bash', { command: 'ls' }, nextUseId()), { env: { AIRLOCK_URL: api.url } });
    expect(unset.answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/AIRLOCK_API_KEY is not set/) });
    const empty = await runHook(hookInput('PreToolUse', 'Bash', { command: 'ls' }, nextUseId()), { env: { AIRLOCK_URL: api.url, AIRLOCK_API_KEY: '' } });
    expect(empty.answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/AIRLOCK_API_KEY is not set/) });
    const wrong = await runHook(hookInput('PreToolUse', 'Bash', { command: 'ls' }, nextUseId()), { env: { AIRLOCK_URL: api.url, AIRLOCK_API_KEY: 'alk_wrong' } });
    expect(wrong.answer.hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/Airlock refused the request/) });
  });
});
