import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Airlock, isTransient, type AuthorizationState } from '@airlock/sdk';
import { refusedByAirlock } from '../airlock-errors.js';
import { denialText } from '../denial.js';

/**
 * `airlock hook claude-code`: Claude Code's PreToolUse / PostToolUse hook.
 * PreToolUse submits the tool call as a gate-only Airlock action and waits for
 * the decision (policy alone for what it deems safe, a person in Slack or the
 * console for the rest), then answers allow or deny with the reason. PostToolUse
 * reports how the run went, closing the action with its result.
 */

const HookInput = z.object({
  session_id: z.string().min(1),
  hook_event_name: z.enum(['PreToolUse', 'PostToolUse']),
  tool_name: z.string().min(1),
  tool_input: z.record(z.string(), z.unknown()),
  tool_use_id: z.string().min(1).optional(),
  cwd: z.string().optional(),
  tool_response: z.unknown().optional(),
});
export type ClaudeCodeHookInput = z.infer<typeof HookInput>;

export interface ClaudeCodeHookOptions {
  airlockUrl: string;
  apiKey: string;
  /** How long PreToolUse waits for a person (keep it under the hook's own `timeout` in settings.json). */
  waitMs: number;
  /** How long an allowed call has to be reported by PostToolUse before it expires. */
  reportWithinMs?: number;
  fetch?: typeof fetch;
}

/** What the hook prints: Claude Code's hook output (PreToolUse) or nothing to say (PostToolUse). */
export type ClaudeCodeHookOutput =
  { hookSpecificOutput: { hookEventName: 'PreToolUse'; permissionDecision: 'allow' | 'deny'; permissionDecisionReason: string } } | { suppressOutput: true };

const MAX_STRING = 16 * 1024;

/** `Bash` → `claude_code.bash`, `mcp__github__create_issue` → `claude_code.mcp__github__create_issue`: the names policies match. */
export function airlockToolFor(toolName: string): string {
  const local = toolName
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  return `claude_code.${/^[a-z]/.test(local) ? local : `t_${local}`}`;
}

/**
 * The arguments approvers and policies see: the tool input plus the working
 * directory, long strings cut (with the full text's SHA-256) so a large file
 * write stays a readable, storable request.
 */
export function airlockArgsFor(input: ClaudeCodeHookInput): Record<string, unknown> {
  const args: Record<string, unknown> = { cwd: input.cwd ?? '' };
  for (const [key, value] of Object.entries(input.tool_input)) {
    if (typeof value === 'string' && value.length > MAX_STRING) {
      args[key] = `${value.slice(0, MAX_STRING)}…(${value.length} characters)`;
      args[`${key}_sha256`] = createHash('sha256').update(value).digest('hex');
    } else {
      args[key] = value;
    }
  }
  return args;
}

function idempotencyKeyFor(input: ClaudeCodeHookInput, args: Record<string, unknown>): string {
  // The tool-use id ties PostToolUse to the action PreToolUse opened; without one, the call's content does.
  const call =
    input.tool_use_id ??
    createHash('sha256')
      .update(JSON.stringify([input.tool_name, args]))
      .digest('hex')
      .slice(0, 32);
  return `claude-code:${input.session_id}:${call}`.slice(0, 200);
}

const allow = (reason: string): ClaudeCodeHookOutput => ({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: reason } });
const deny = (reason: string): ClaudeCodeHookOutput => ({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } });

/** Parses the hook's stdin; fails closed (deny) on anything it cannot read. */
export async function runClaudeCodeHook(stdin: string, options: ClaudeCodeHookOptions): Promise<ClaudeCodeHookOutput> {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch {
    return deny('Airlock hook: the hook input is not JSON, so the call is refused');
  }
  const parsed = HookInput.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    return deny(`Airlock hook: unreadable hook input (${issues}), so the call is refused`);
  }
  const input = parsed.data;
  try {
    const api = await Airlock.connect({ url: options.airlockUrl, apiKey: options.apiKey, ...(options.fetch ? { fetch: options.fetch } : {}) });
    return input.hook_event_name === 'PreToolUse' ? await preToolUse(api, input, options) : await postToolUse(api, input);
  } catch (error) {
    // Fail closed: no answer from Airlock is no permission.
    const message = error instanceof Error ? error.message : String(error);
    return input.hook_event_name === 'PreToolUse' ? deny(`Airlock could not decide (${message}); the call is refused`) : { suppressOutput: true };
  }
}

async function preToolUse(api: Airlock, input: ClaudeCodeHookInput, options: ClaudeCodeHookOptions): Promise<ClaudeCodeHookOutput> {
  const tool = airlockToolFor(input.tool_name);
  const args = airlockArgsFor(input);
  const description = typeof input.tool_input.description === 'string' ? input.tool_input.description : '';
  let actionId: string;
  try {
    ({ actionId } = await api.authorize({
      tool,
      args,
      idempotencyKey: idempotencyKeyFor(input, args),
      rationale: description || `Claude Code wants to use ${input.tool_name}`,
      ...(options.reportWithinMs ? { reportWithinMs: options.reportWithinMs } : {}),
    }));
  } catch (error) {
    if (refusedByAirlock(error)) return deny(`Airlock refused the request: ${error.message}`);
    throw error;
  }
  const state = await waitForDecision(api, actionId, options.waitMs);
  if (state.status === 'authorized') return allow(describeAllowed(state));
  if (state.status === 'pending') {
    // Nobody decided in time: withdraw it, so no one approves a call that is no longer waiting.
    await api
      .action(actionId)
      .cancel()
      .catch(() => undefined);
    return deny(`No decision in Airlock within ${Math.round(options.waitMs / 1000)} s (action ${actionId}, now withdrawn). Ask the user, or try again later.`);
  }
  if (state.status === 'denied') return deny(`${denialText(state)} (action ${actionId})`);
  if (state.status === 'executed') return allow(`Airlock: already approved and reported (action ${actionId})`);
  return deny(`Airlock: the action ended as ${state.status}: ${'reason' in state ? state.reason : state.error} (action ${actionId})`);
}

function describeAllowed(state: Extract<AuthorizationState, { status: 'authorized' }>): string {
  return `Allowed by Airlock (action ${state.actionId})`;
}

async function waitForDecision(api: Airlock, actionId: string, waitMs: number): Promise<AuthorizationState> {
  const deadline = Date.now() + waitMs;
  let retryMs = 250;
  for (;;) {
    try {
      const state = await api.authorization(actionId, Math.max(0, Math.min(deadline - Date.now(), 20_000)));
      if (state.status !== 'pending' || Date.now() >= deadline) return state;
      retryMs = 250;
    } catch (error) {
      if (!isTransient(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 5_000);
    }
  }
}

/** Reports the run PreToolUse allowed; a call Airlock never saw (another matcher) is left alone. */
async function postToolUse(api: Airlock, input: ClaudeCodeHookInput): Promise<ClaudeCodeHookOutput> {
  const tool = airlockToolFor(input.tool_name);
  const args = airlockArgsFor(input);
  // The same key finds the action PreToolUse opened (created: false); nothing new starts if it exists.
  const { actionId, created } = await api.authorize({ tool, args, idempotencyKey: idempotencyKeyFor(input, args) });
  if (created) {
    // PreToolUse was not wired for this tool: this call was never gated, so there is nothing to report.
    await api
      .action(actionId)
      .cancel()
      .catch(() => undefined);
    return { suppressOutput: true };
  }
  const state = await api.authorization(actionId, 0);
  if (state.status !== 'authorized') return { suppressOutput: true };
  const response = input.tool_response;
  const failed = typeof response === 'object' && response !== null && ('error' in response || (response as { success?: unknown }).success === false);
  await api.report(
    actionId,
    failed
      ? { authorizationId: state.authorizationId, args: state.args, status: 'failed', error: JSON.stringify(response).slice(0, 4000) }
      : { authorizationId: state.authorizationId, args: state.args, status: 'succeeded', output: capped(response) },
  );
  return { suppressOutput: true };
}

function capped(value: unknown): unknown {
  const text = JSON.stringify(value ?? null);
  return text.length <= 64 * 1024 ? (value ?? null) : { truncated: true, preview: text.slice(0, 64 * 1024) };
}
