import { postAuthorization, schemas } from '@airlock/console';
import { getActionStatus } from '@airlock/core/gateway';
import { deriveActionId } from '@airlock/core/hashing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, expectJson } from '../api/client.js';
import { hookInput, startCodingAgentAirlock, type CodingAgentAirlock } from '../support/claude-code-hook.js';

// Argument tricks a prompt-injected coding agent can send through the real REST API and the real
// `airlock hook claude-code`, against the example coding-agent policy: each one was auto-allowed
// (ran with no person) before the policy fix (packages/policy/policies/coding-agent.yaml).
// The policy engine's own cases are in packages/policy/src/bypass.unit.test.ts.

let airlock: CodingAgentAirlock;

beforeAll(async () => {
  airlock = await startCodingAgentAirlock();
});
afterAll(async () => {
  await airlock?.close();
});

const Submitted = schemas.SubmittedActionView;
let keyCount = 0;

/** Admission's decision for a gate-only request, as recorded once the action has been classified. */
async function admitted(tool: string, args: Record<string, unknown>) {
  const body = { tool, args, idempotencyKey: `bypass-${++keyCount}-${Date.now().toString(36)}` };
  const { actionId } = await expectJson(postAuthorization(apiRequest('/api/v1/authorizations', { key: airlock.keys.agent, body }), airlock.ctx), 202, Submitted);
  for (;;) {
    const status = await getActionStatus(airlock.h.client, actionId).catch(() => undefined);
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
    const stdin = hookInput('PreToolUse', 'Bash', { command }, toolUseId);
    const { answer } = await airlock.runHook(stdin, { wait: '1' });
    expect(answer.hookSpecificOutput?.permissionDecision).toBe('deny');
    expect(answer.hookSpecificOutput?.permissionDecisionReason).toMatch(/No decision in Airlock within 1 s/);
    const status = await getActionStatus(airlock.h.client, deriveActionId(airlock.h.taskQueue, 'claude', `claude-code:session-1:${toolUseId}`));
    expect(status.classification).toMatchObject({ decision: 'require_approval', tier: 'high', matchedRules: expect.arrayContaining(['shortened-input']) });
  });
});
