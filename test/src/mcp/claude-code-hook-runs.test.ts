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
// sends claude_code.* to a person): what Claude Code is told to run is what was authorized, every run
// needs a decision of its own, and a run is claimed before it is allowed (never run twice).

let server: AirlockServer;
let options: ClaudeCodeHookOptions;
let stateDir: string;

beforeAll(async () => {
  server = await startAirlockServer();
  await createAgent(server.h.db, { id: 'claude', team: 'eng', ownerId: 'owner', allowedTools: ['claude_code.*'] });
  stateDir = await mkdtemp(path.join(tmpdir(), 'airlock-hook-runs-'));
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

/** The action a PreToolUse opened, found by the session and what it asks (no tool-use id: its key is its own). */
async function actionAsking(tool: string, args: Record<string, unknown>): Promise<string> {
  for (;;) {
    const rows = await server.h.db.prisma.action.findMany({ where: { agentId: 'claude', tool }, select: { id: true, args: true } });
    const row = rows.find((candidate) => JSON.stringify(candidate.args) === JSON.stringify(args));
    if (row) return row.id;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the Claude Code hook against a real Airlock', { timeout: 180_000 }, () => {
  it('tells Claude Code to run an approver’s edit (updatedInput), and records the edited run', async () => {
    const asked = { file_path: '/etc/hosts', content: '0.0.0.0 bank.example' };
    const edited = { file_path: '/repo/notes.txt', content: 'harmless' };
    const actionId = deriveActionId(server.h.taskQueue, 'claude', 'claude-code:runs-edit:tu-edit');
    const pre = runClaudeCodeHook(hookEvent('runs-edit', 'PreToolUse', 'Write', asked, { tool_use_id: 'tu-edit' }), options);
    await approveUntilAuthorized(actionId, { cwd: '/repo', ...edited });
    expect(await pre).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow', updatedInput: edited } });

    const post = await runClaudeCodeHook(
      hookEvent('runs-edit', 'PostToolUse', 'Write', edited, { tool_use_id: 'tu-edit', tool_response: { filePath: '/repo/notes.txt', success: true } }),
      options,
    );
    expect(post).toEqual({ suppressOutput: true });
    expect((await getActionStatus(server.h.client, actionId)).outcome).toMatchObject({ status: 'executed', output: { filePath: '/repo/notes.txt' } });
  });

  it('without a tool-use id, an approval never covers a repeat of the same command', async () => {
    const command = { command: 'git push --force origin main' };
    const first = runClaudeCodeHook(hookEvent('runs-repeat', 'PreToolUse', 'Bash', command), options);
    const actionId = await actionAsking('claude_code.bash', { cwd: '/repo', ...command });
    await approveUntilAuthorized(actionId);
    expect(await first).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow' } });
    await runClaudeCodeHook(hookEvent('runs-repeat', 'PostToolUse', 'Bash', command, { tool_response: { stdout: 'ok', stderr: '' } }), options);
    expect((await getActionStatus(server.h.client, actionId)).outcome).toMatchObject({ status: 'executed' });

    // The same command again, nobody deciding: it waits for a decision of its own, and is withdrawn.
    const again = await runClaudeCodeHook(hookEvent('runs-repeat', 'PreToolUse', 'Bash', command), { ...options, waitMs: 1_000 });
    expect(again).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/^No decision in Airlock within 1 s/) } });
  });
});

// Claude Code killed after PreToolUse allowed a tool use (no PostToolUse, no report) retries the same tool use, the
// same action still authorized in Airlock: the hook claimed the run before it allowed it, so it refuses the retry.
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
