import { text } from 'node:stream/consumers';
import { EnvError } from '@airlock/core/env';
import { runClaudeCodeHook, type ClaudeCodeHookOutput } from '@airlock/mcp-gateway';
import { loadMcpEnv } from './env.js';

/**
 * `airlock hook claude-code`: reads Claude Code's hook JSON on stdin, prints the
 * hook's answer on stdout (docs/CODING-AGENTS.md). Fails closed: anything wrong
 * (no key, Airlock unreachable) is a deny with the reason, never a silent allow.
 */
export async function claudeCodeHookCommand(options: { wait: string }): Promise<void> {
  const waitSeconds = Number(options.wait);
  const stdin = await text(process.stdin);
  let output: ClaudeCodeHookOutput;
  try {
    // A bad setting is a deny naming it, as an unset key is: an error exit would let Claude Code run the call.
    if (!(Number.isFinite(waitSeconds) && waitSeconds >= 0 && waitSeconds <= 86_400)) throw new EnvError(`--wait: seconds from 0 to 86400, got "${options.wait}"`);
    const env = loadMcpEnv();
    if (!env.AIRLOCK_URL) throw new EnvError('AIRLOCK_URL is not set (the Airlock console, e.g. http://localhost:3000)');
    if (!env.AIRLOCK_API_KEY) throw new EnvError('AIRLOCK_API_KEY is not set (the coding agent’s Airlock key)');
    output = await runClaudeCodeHook(stdin, { airlockUrl: env.AIRLOCK_URL, apiKey: env.AIRLOCK_API_KEY, waitMs: waitSeconds * 1000 });
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`airlock hook: ${error.message}\n`);
    output = { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: `Airlock hook is not configured: ${error.message}` } };
  }
  process.stdout.write(`${JSON.stringify(output)}\n`);
}
