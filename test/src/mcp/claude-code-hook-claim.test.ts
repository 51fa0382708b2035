import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getActionStatus } from '@airlock/core/gateway';
import { deriveActionId } from '@airlock/core/hashing';
import { createAgent, createApiKey } from '@airlock/db';
import { runClaudeCodeHook, type ClaudeCodeHookOptions } from '@airlock/mcp-gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlockServer, type AirlockServer } from '../adapters/airlock-server.js';

// The Claude Code hook against a real Airlock (REST API, worker, Temporal, PostgreSQL; the default policy
// sends claude_code.* to a person) claims the run before it allows it: Claude Code killed after PreToolUse
// allowed a tool use (no PostToolUse, no report) retries the same tool use, the same action still authorized
// in Airlock; the hook refuses it instead of letting it run a second time.

let server: AirlockServer;
let options: ClaudeCodeHookOptions;
let stateDir: string;

beforeAll(async () => {
  server = await startAirlockServer();
  await createAgent(server.h.db, { id: 'claude', team: 'eng', ownerId: 'owner', allowedTools: ['claude_code.*'] });
  stateDir = await mkdtemp(path.join(tmpdir(), 'airlock-hook-claim-'));
  options = { airlockUrl: server.api.url, apiKey: (await createApiKey(server.h.db, { agentId: 'claude' })).key, waitMs: 60_000, stateDir };
});
afterAll(async () => {
  await server?.close();
  await rm(stateDir, { recursive: true, force: true });
});

const hookEvent = (session: string, event: 'PreToolUse' | 'PostToolUse', tool: string, toolInput: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: session, hook_event_name: event, tool_name: tool, tool_input: toolInput, cwd: '/repo', ...extra });

/** Approves every round of the action (an edit is classified again, so a person approves the edited call too) until it is authorized. */
async function approveUntilAuthorized(actionId: string, editedArgs?: Record<string, unknown>): Promise<void> {
  // The hook submits it: until then Airlock knows no such action.
  while (!(await server.h.db.prisma.action.findUnique({ where: { id: actionId }, select: { id: true } }))) await new Promise((resolve) => setTimeout(resolve, 50));
  await server.awaitingApproval(actionId);
  await server.decide(actionId, 'approve', editedArgs ? { editedArgs } : {});
  for (;;) {
    const status = await getActionStatus(server.h.client, actionId);
    if (status.phase === 'awaiting_report' || status.outcome) return;
    if (status.phase === 'awaiting_approval') await server.decide(actionId, 'approve').catch(() => undefined);
  }
}

describe('the Claude Code hook claims the run before it allows it', { timeout: 180_000 }, () => {
  it('the same tool use again after Claude Code was killed mid-run is denied: started elsewhere, never run twice', async () => {
    const command = { command: 'npm publish' };
    const actionId = deriveActionId(server.h.taskQueue, 'claude', 'claude-code:claim-killed:tu-killed');
    const pre = runClaudeCodeHook(hookEvent('claim-killed', 'PreToolUse', 'Bash', command, { tool_use_id: 'tu-killed' }), options);
    await approveUntilAuthorized(actionId);
    expect(await pre).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow' } });
    // Claude Code runs it and is killed: no PostToolUse. Restarted, it retries the tool use (a hook process of its own).
    const again = await runClaudeCodeHook(hookEvent('claim-killed', 'PreToolUse', 'Bash', command, { tool_use_id: 'tu-killed' }), options);
    expect(again).toMatchObject({
      hookSpecificOutput: {
        permissionDecision: 'deny',
        permissionDecisionReason: expect.stringMatching(
          new RegExp(
            `^Bash was not run here: this call was already started by another run \\(the run was already claimed by another runner at .*\\), and its result is not known here\\. It shows in Airlock \\(action ${actionId}\\)`,
          ),
        ),
      },
    });
    expect((await getActionStatus(server.h.client, actionId)).phase).toBe('awaiting_report');
    expect(await server.h.db.prisma.auditEvent.count({ where: { actionId, type: 'action.authorization_claimed' } })).toBe(1);
  });
});
