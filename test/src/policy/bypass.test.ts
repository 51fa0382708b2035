import path from 'node:path';
import { defaultActivityDeps } from '@airlock/activities';
import { getAgentSelf, getAuthorization, policyFromFile, postActionCancel, postAuthorization, postReport, schemas, type ApiContext } from '@airlock/console';
import { getActionStatus } from '@airlock/core/gateway';
import { runProcess } from '@airlock/core/spawn';
import { deriveActionId } from '@airlock/core/hashing';
import { createAgent, createApiKey } from '@airlock/db';
import { PolicyStore } from '@airlock/policy/files';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, expectJson } from '../api/client.js';
import { startApiServer, type ApiServer } from '../support/api-server.js';
import { startHarness, seedTeam, type Harness } from '../support/harness.js';

// Argument tricks a prompt-injected coding agent can send through the real REST API and the real
// `airlock hook claude-code`, against the example coding-agent policy: each one was auto-allowed
// (ran with no person) before the policy fix (packages/policy/policies/coding-agent.yaml).
// The policy engine's own cases are in packages/policy/src/bypass.unit.test.ts.

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const policyFile = path.join(repoRoot, 'packages/policy/policies/coding-agent.yaml');
let h: Harness;
let api: ApiServer;
let ctx: ApiContext;
let keys: { agent: string; alice: string };

beforeAll(async () => {
  h = await startHarness({ deps: (db) => defaultActivityDeps(db, new PolicyStore(policyFile)) });
  await seedTeam(h.db);
  await createAgent(h.db, { id: 'claude', team: 'eng', ownerId: 'owner', allowedTools: ['claude_code.*'] });
  keys = { agent: (await createApiKey(h.db, { agentId: 'claude' })).key, alice: (await createApiKey(h.db, { userId: 'alice' })).key };
  ctx = { db: h.db, temporal: h.client, taskQueue: h.taskQueue, policy: policyFromFile(policyFile) };
  api = await startApiServer(ctx, [
    { method: 'GET', path: '/api/v1/agents/me', handler: getAgentSelf },
    { method: 'POST', path: '/api/v1/authorizations', handler: postAuthorization },
    { method: 'GET', path: '/api/v1/actions/:id/authorization', handler: getAuthorization },
    { method: 'POST', path: '/api/v1/actions/:id/report', handler: postReport },
    { method: 'POST', path: '/api/v1/actions/:id/cancel', handler: postActionCancel },
  ]);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

const Submitted = schemas.SubmittedActionView;
let keyCount = 0;

/** Admission's decision for a gate-only request, as recorded once the action has been classified. */
async function admitted(tool: string, args: Record<string, unknown>) {
  const body = { tool, args, idempotencyKey: `bypass-${++keyCount}-${Date.now().toString(36)}` };
  const { actionId } = await expectJson(postAuthorization(apiRequest('/api/v1/authorizations', { key: keys.agent, body }), ctx), 202, Submitted);
  for (;;) {
    const status = await getActionStatus(h.client, actionId).catch(() => undefined);
    if (status?.classification) return status.classification;
  }
}

describe('coding-agent policy over REST: tricks are not auto-allowed', { timeout: 120_000 }, () => {
  const cwd = '/repo';
  it.each([
    // bash runs each line: the second is any command (the generic `shell` rule, medium).
    ['claude_code.bash', { cwd, command: 'ls\nrm -- src/index.ts' }, 'medium'],
    ['claude_code.bash', { cwd, command: 'find . -name "*.ts" -delete' }, 'high'],
    ['claude_code.bash', { cwd, command: 'rg --pre ./payload.sh x' }, 'high'],
    ['claude_code.bash', { cwd, command: 'git diff --output=/home/dev/.bashrc' }, 'high'],
    ['claude_code.write', { cwd, file_path: '/repo/../etc/cron.d/x', content: '* * * * * root id' }, 'high'],
    ['claude_code.write', { cwd, file_path: '/repo/.git/config', content: '[core]\n\tfsmonitor = ./payload.sh' }, 'high'],
    ['claude_code.edit', { cwd, file_path: '/repo/.claude/settings.json', old_string: '"hooks"', new_string: '"x"' }, 'high'],
    ['claude_code.edit', { cwd, file_path: '/repo/.github//workflows/ci.yml', old_string: 'a', new_string: 'b' }, 'high'],
  ] as const)('%s %j waits for a person (%s)', async (tool, args, tier) => {
    expect(await admitted(tool, args)).toMatchObject({ decision: 'require_approval', tier });
  });

  it('a command over the hook’s 16 KiB cut: the real hook no longer lets it run unseen', async () => {
    const toolUseId = `toolu_long_${Date.now().toString(36)}`;
    const command = `ls ${' '.repeat(16 * 1024)}; rm -r -- src`;
    const stdin = JSON.stringify({
      session_id: 'session-1',
      transcript_path: '/tmp/transcript.jsonl',
      cwd: '/repo',
      permission_mode: 'default',
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command },
      tool_use_id: toolUseId,
    });
    const { stdout } = await runProcess(
      'the Claude Code hook',
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      [path.join(repoRoot, 'apps/cli/src/main.ts'), 'hook', 'claude-code', '--wait', '1'],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AIRLOCK_URL: api.url, AIRLOCK_API_KEY: keys.agent }, input: stdin },
    );
    const answer = JSON.parse(stdout) as { hookSpecificOutput?: { permissionDecision: string; permissionDecisionReason: string } };
    expect(answer.hookSpecificOutput?.permissionDecision).toBe('deny');
    expect(answer.hookSpecificOutput?.permissionDecisionReason).toMatch(/No decision in Airlock within 1 s/);
    const status = await getActionStatus(h.client, deriveActionId(h.taskQueue, 'claude', `claude-code:session-1:${toolUseId}`));
    expect(status.classification).toMatchObject({ decision: 'require_approval', tier: 'high', matchedRules: expect.arrayContaining(['shortened-input']) });
  });
});
