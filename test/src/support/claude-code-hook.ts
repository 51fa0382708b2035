import path from 'node:path';
import { defaultActivityDeps } from '@airlock/activities';
import { getAgentSelf, getAuthorization, policyFromFile, postActionCancel, postAuthorization, postClaim, postDecision, postReport, type ApiContext } from '@airlock/console';
import { runProcess } from '@airlock/core/spawn';
import { createAgent, createApiKey } from '@airlock/db';
import { PolicyStore } from '@airlock/policy/files';
import { startApiServer, type ApiServer } from './api-server.js';
import { repoRoot } from './binaries.js';
import { seedTeam, startHarness, type Harness } from './harness.js';

/** The example coding-agent policy, the one the Claude Code hook's docs set up. */
export const codingAgentPolicyFile = path.join(repoRoot, 'packages/policy/policies/coding-agent.yaml');

/** What `airlock hook claude-code` prints for Claude Code. */
export interface HookAnswer {
  hookSpecificOutput?: { hookEventName: string; permissionDecision: 'allow' | 'deny'; permissionDecisionReason: string };
  suppressOutput?: boolean;
}

export interface CodingAgentAirlock {
  h: Harness;
  api: ApiServer;
  ctx: ApiContext;
  /** API keys of the agent `claude` (allowed claude_code.*) and of the approver alice. */
  keys: { agent: string; alice: string };
  /**
   * Runs `airlock hook claude-code` as Claude Code does: a real process, the hook JSON on stdin, with this
   * Airlock and the agent's key in its environment (or `env` instead); resolves with its parsed stdout and exit code.
   */
  runHook(stdin: string, options?: { wait?: string; env?: Record<string, string> }): Promise<{ answer: HookAnswer; code: number | null }>;
  close(): Promise<void>;
}

/**
 * Airlock as the Claude Code hook meets it: the REST API it calls (and decisions), a worker, Temporal and
 * PostgreSQL, all real, with the example coding-agent policy, the usual team and the agent `claude`.
 */
export async function startCodingAgentAirlock(): Promise<CodingAgentAirlock> {
  const h = await startHarness({ deps: (db) => defaultActivityDeps(db, new PolicyStore(codingAgentPolicyFile)) });
  const ctx: ApiContext = { db: h.db, temporal: h.client, taskQueue: h.taskQueue, policy: policyFromFile(codingAgentPolicyFile) };
  let keys: CodingAgentAirlock['keys'];
  let api: ApiServer;
  try {
    await seedTeam(h.db);
    await createAgent(h.db, { id: 'claude', team: 'eng', ownerId: 'owner', allowedTools: ['claude_code.*'] });
    keys = { agent: (await createApiKey(h.db, { agentId: 'claude' })).key, alice: (await createApiKey(h.db, { userId: 'alice' })).key };
    api = await startApiServer(ctx, [
      { method: 'GET', path: '/api/v1/agents/me', handler: getAgentSelf },
      { method: 'POST', path: '/api/v1/authorizations', handler: postAuthorization },
      { method: 'GET', path: '/api/v1/actions/:id/authorization', handler: getAuthorization },
      { method: 'POST', path: '/api/v1/actions/:id/claim', handler: postClaim },
      { method: 'POST', path: '/api/v1/actions/:id/report', handler: postReport },
      { method: 'POST', path: '/api/v1/actions/:id/decisions', handler: postDecision },
      { method: 'POST', path: '/api/v1/actions/:id/cancel', handler: postActionCancel },
    ]);
  } catch (error) {
    await h.close();
    throw error;
  }
  return {
    h,
    api,
    ctx,
    keys,
    async runHook(stdin, options = {}) {
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
    },
    async close() {
      await api.close();
      await h.close();
    },
  };
}

/** A hook event as Claude Code sends it on stdin, in session `session-1` working in /repo. */
export function hookInput(event: 'PreToolUse' | 'PostToolUse', tool: string, toolInput: Record<string, unknown>, toolUseId: string, extra: Record<string, unknown> = {}): string {
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
