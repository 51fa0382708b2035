import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runClaudeCodeHook } from './claude-code.js';

/** A local port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const preToolUse = JSON.stringify({ session_id: 's-1', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: 'u-1' });

describe('the Claude Code hook talks to Airlock through the SDK’s client', () => {
  it('denies when Airlock cannot be reached, naming its URL and the call (not just "fetch failed")', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const answer = await runClaudeCodeHook(preToolUse, { airlockUrl: url, apiKey: 'alk_test', waitMs: 0 });
    expect(answer).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny' } });
    const reason = 'hookSpecificOutput' in answer ? answer.hookSpecificOutput.permissionDecisionReason : '';
    expect(reason).toMatch(
      new RegExp(`^Airlock could not decide \\(cannot reach Airlock at ${url.replace(/\./g, '\\.')} \\(POST /api/v1/authorizations\\): .+\\); the call is refused$`),
    );
  });

  it('denies with Airlock’s reason when it refuses the request (400 invalid_request)', async () => {
    const fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ error: { code: 'invalid_request', message: 'invalid request', issues: [{ path: 'tool', message: 'unknown tool' }] } }), { status: 400 }),
      );
    const answer = await runClaudeCodeHook(preToolUse, { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch });
    expect(answer).toEqual({
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'Airlock refused the request: invalid request: tool: unknown tool' },
    });
  });
});
