import { createHash, randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '@airlock/core/canonical-json';
import { cutText } from '@airlock/core/cut-text';
import { Airlock, editedArgsText, isTransient, startRun, type AgentRunReport, type AuthorizationState } from '@airlock/sdk';
import { refusedByAirlock } from '../airlock-errors.js';
import { denialText } from '../denial.js';

/**
 * `airlock hook claude-code`: Claude Code's PreToolUse / PostToolUse hook.
 * PreToolUse submits the tool call as a gate-only Airlock action and waits for
 * the decision (policy alone for what it deems safe, a person in Slack or the
 * console for the rest), then answers allow (with the authorized arguments when
 * an approver edited them) or deny with the reason. PostToolUse reports how the
 * run went, closing the action with its result.
 *
 * One decision per run: the action is keyed by the tool-use id, or, when Claude
 * Code sends none, opened afresh by every PreToolUse. PreToolUse claims the run in
 * Airlock before it allows it, so a tool use retried after a crash (the same action,
 * still authorized and unreported) is refused, never run twice. PreToolUse leaves a note
 * (a file in `stateDir`) naming the action of the call it allowed; PostToolUse
 * takes it, so it finds the action even when the call ran with edited arguments.
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
  /** How long PostToolUse retries a report that failed on a blip (default 20 s; keep it under the hook's `timeout`). */
  reportRetryMs?: number;
  /**
   * Where PreToolUse leaves PostToolUse the action of an allowed call (default: `airlock-claude-code-<uid>` in the OS temp
   * directory). It must be this user's own directory, closed to others (mode 0700).
   */
  stateDir?: string;
  fetch?: typeof fetch;
}

/**
 * What the hook prints: Claude Code's hook output. PreToolUse: allow (with `updatedInput`, the input
 * to run, when an approver edited the arguments) or deny. PostToolUse: nothing to say, or a warning
 * for the user (`systemMessage`) when Airlock could not record the run.
 */
export type ClaudeCodeHookOutput =
  | {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse';
        permissionDecision: 'allow' | 'deny';
        permissionDecisionReason: string;
        updatedInput?: Record<string, unknown>;
      };
    }
  | { suppressOutput: true }
  | { systemMessage: string };

const MAX_STRING = 16 * 1024;
const MAX_ERROR_LENGTH = 4000;
// A note PostToolUse never took (the tool failed before running, the session ended) is dropped after this long.
const STALE_NOTE_MS = 24 * 3_600_000;

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
const INPUT_PREFIX = 'input_';

/**
 * The name a tool input's key has among the arguments: `cwd` is the session's, so the input's own is `input_cwd`,
 * and a key already starting with `input_` gets the prefix again, so no input key can take another's name (an
 * input `{cwd: '/etc', input_cwd: '/repo/sub'}` hid its real cwd behind the second) and every `input_` name maps
 * back by dropping one prefix.
 */
function inputArgName(key: string): string {
  return key === 'cwd' || key.startsWith(INPUT_PREFIX) ? `${INPUT_PREFIX}${key}` : key;
}

export function airlockArgsFor(input: ClaudeCodeHookInput): Record<string, unknown> {
  // The hook's own keys win: policies trust `cwd` as the session's project directory and `<key>_sha256` as the
  // hash of what was cut, so a tool input naming either (`{file_path: '/etc/x', cwd: '/etc'}`) must not stand
  // in for them. What the input said is kept beside them as `input_<key>`, for approvers and policies to see.
  const args: Record<string, unknown> = { cwd: input.cwd ?? '' };
  const hashes: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.tool_input)) {
    const name = inputArgName(key);
    if (typeof value === 'string' && value.length > MAX_STRING) {
      args[name] = `${cutText(value, MAX_STRING)}…(${value.length} characters)`;
      hashes[`${name}_sha256`] = sha256(value);
    } else {
      args[name] = value;
    }
  }
  for (const [key, hash] of Object.entries(hashes)) {
    if (key in args) args[`${INPUT_PREFIX}${key}`] = args[key];
    args[key] = hash;
  }
  return args;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The tool-use id's key, the same in PostToolUse; without one, a key of its own for every PreToolUse (one approval, one run). */
function idempotencyKeyFor(input: ClaudeCodeHookInput): string {
  const call = input.tool_use_id ?? `${sha256(JSON.stringify([input.tool_name, input.tool_input])).slice(0, 32)}:${randomUUID()}`;
  return `claude-code:${input.session_id}:${call}`.slice(0, 200);
}

/** Names the call in the state directory: by its tool-use id, else by what runs (the tool and its input). */
function noteKeyFor(input: ClaudeCodeHookInput, toolInput: Record<string, unknown>): string {
  return sha256(JSON.stringify([input.session_id, input.tool_use_id ?? null, input.tool_use_id ? null : [input.tool_name, toolInput]])).slice(0, 40);
}

const stateDirOf = (options: ClaudeCodeHookOptions) => options.stateDir ?? path.join(tmpdir(), `airlock-claude-code-${process.getuid?.() ?? 'user'}`);

// A note's name: the call's key (40 hex digits), a dot, its action id. Nothing else in the folder is the hook's.
const NOTE_NAME = /^[0-9a-f]{40}\./;

/**
 * Refuses a notes folder another user could reach: one that is a symbolic link (cleaning it would delete files
 * elsewhere), not this user's (its owner could plant notes, or lock the hook out), or open to group or others.
 */
async function checkNotesFolder(dir: string): Promise<void> {
  const info = await lstat(dir);
  const uid = process.getuid?.();
  const problem = info.isSymbolicLink()
    ? 'a symbolic link'
    : !info.isDirectory()
      ? 'not a directory'
      : uid !== undefined && info.uid !== uid
        ? `owned by uid ${info.uid}, not by this user (uid ${uid})`
        : uid !== undefined && (info.mode & 0o077) !== 0
          ? `open to other users (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')})`
          : undefined;
  if (problem) throw new Error(`the hook's notes folder ${dir} is ${problem}, so the hook will not use it (remove it, or make it this user's own with mode 0700)`);
}

/** Leaves PostToolUse the action of a call about to run; also drops notes nobody took for a day. */
async function leaveNote(options: ClaudeCodeHookOptions, noteKey: string, actionId: string): Promise<void> {
  const dir = stateDirOf(options);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await checkNotesFolder(dir);
  await writeFile(path.join(dir, `${noteKey}.${actionId}`), '', { mode: 0o600 });
  for (const name of await readdir(dir)) {
    if (!NOTE_NAME.test(name)) continue;
    const file = path.join(dir, name);
    const info = await lstat(file).catch(() => undefined);
    if (info?.isFile() && Date.now() - info.mtimeMs > STALE_NOTE_MS) await unlink(file).catch(() => undefined);
  }
}

/** Takes the note PreToolUse left for this call (the newest: an older one is a call that never ran, or an identical one): its action id. */
async function takeNote(options: ClaudeCodeHookOptions, noteKey: string): Promise<string | undefined> {
  const dir = stateDirOf(options);
  const found = await checkNotesFolder(dir).then(
    () => true,
    (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    },
  );
  if (!found) return undefined;
  const names = (await readdir(dir)).filter((name) => name.startsWith(`${noteKey}.`));
  const dated = await Promise.all(
    names.map(async (name) => {
      const info = await lstat(path.join(dir, name)).catch(() => undefined);
      return { name, mtimeMs: info?.isFile() ? info.mtimeMs : undefined };
    }),
  );
  const notes = dated.filter((note): note is { name: string; mtimeMs: number } => note.mtimeMs !== undefined);
  for (const { name } of notes.sort((a, b) => b.mtimeMs - a.mtimeMs)) {
    // Unlinking claims it: of two hooks racing for one note, one succeeds.
    if (
      await unlink(path.join(dir, name)).then(
        () => true,
        () => false,
      )
    )
      return name.slice(noteKey.length + 1);
  }
  return undefined;
}

const allow = (reason: string, updatedInput?: Record<string, unknown>): ClaudeCodeHookOutput => ({
  hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: reason, ...(updatedInput ? { updatedInput } : {}) },
});
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
    return input.hook_event_name === 'PreToolUse' ? await preToolUse(api, input, options) : await postToolUse(api, input, options);
  } catch (error) {
    // Fail closed: no answer from Airlock is no permission. After the run, the user hears the report is missing.
    const message = error instanceof Error ? error.message : String(error);
    return input.hook_event_name === 'PreToolUse'
      ? deny(`Airlock could not decide (${message}); the call is refused`)
      : { systemMessage: `Airlock did not record this ${input.tool_name} run: ${message}` };
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
      idempotencyKey: idempotencyKeyFor(input),
      rationale: description || `Claude Code wants to use ${input.tool_name}`,
      ...(options.reportWithinMs ? { reportWithinMs: options.reportWithinMs } : {}),
    }));
  } catch (error) {
    if (refusedByAirlock(error)) return deny(`Airlock refused the request: ${error.message}`);
    throw error;
  }
  const state = await waitForDecision(api, actionId, options.waitMs);
  if (state.status === 'authorized') {
    const run = toolInputFor(input, args, state.args);
    if ('refused' in run) {
      await api
        .action(actionId)
        .cancel()
        .catch(() => undefined);
      return deny(`${run.refused} (action ${actionId}); the call is refused`);
    }
    // The note first: a note that cannot be left withdraws the action before any claim, so it ends saying the tool
    // did not run (a claim answered 'run' would make it end as 'may have run', its budget kept spent).
    const noteKey = noteKeyFor(input, run.toolInput);
    try {
      await leaveNote(options, noteKey, actionId);
    } catch (error) {
      // Without its note, PostToolUse could not record the run: withdraw the authorization rather than run unrecorded.
      await api
        .action(actionId)
        .cancel()
        .catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      return deny(`Airlock allowed the call (action ${actionId}, now withdrawn), but the hook could not leave its note for PostToolUse: ${message}; the call is refused`);
    }
    // Claimed before it is allowed: a tool use retried after Claude Code was killed mid-run (its report never made) is
    // the same action, still authorized; another hook claimed it first, so this one does not let it run again.
    const start = await startRun(api, actionId, input.tool_name, state.authorizationId);
    if (!start.run) {
      await takeNote(options, noteKey).catch(() => undefined);
      return deny(`${start.text} (action ${actionId})`);
    }
    const edited = editedArgsText(args, state.args);
    return edited ? allow(`${describeAllowed(state)}. ${edited}`, run.toolInput) : allow(describeAllowed(state));
  }
  if (state.status === 'pending') {
    // Nobody decided in time: withdraw it, so no one approves a call that is no longer waiting.
    await api
      .action(actionId)
      .cancel()
      .catch(() => undefined);
    return deny(`No decision in Airlock within ${Math.round(options.waitMs / 1000)} s (action ${actionId}, now withdrawn). Ask the user, or try again later.`);
  }
  if (state.status === 'denied') return deny(`${denialText(state)} (action ${actionId})`);
  // Only a tool-use id seen before gets here: that call already ran, and a run needs a decision of its own.
  if (state.status === 'executed') return deny(`Airlock: this tool use already ran (action ${actionId}); a new run needs a decision of its own`);
  return deny(`Airlock: the action ended as ${state.status}: ${'reason' in state ? state.reason : state.error} (action ${actionId})`);
}

/**
 * The tool input Claude Code is to run: its own when the authorized arguments are the ones asked for,
 * else the input the approver's edit describes. An edit the hook cannot apply (the working directory,
 * a string Airlock only saw shortened) refuses the call rather than run something else.
 */
function toolInputFor(
  input: ClaudeCodeHookInput,
  asked: Record<string, unknown>,
  authorized: Record<string, unknown>,
): { toolInput: Record<string, unknown> } | { refused: string } {
  if (canonicalJson(asked) === canonicalJson(authorized)) return { toolInput: input.tool_input };
  const same = (key: string) => canonicalJson(asked[key] ?? null) === canonicalJson(authorized[key] ?? null) && key in asked === key in authorized;
  if (!same('cwd')) return { refused: 'An approver in Airlock changed the working directory (cwd), which the hook cannot apply' };
  // Named as airlockArgsFor names them (inputArgName); a cut string's hash is `<name>_sha256`.
  const argName = inputArgName;
  const long = Object.keys(input.tool_input).filter((key) => typeof input.tool_input[key] === 'string' && input.tool_input[key].length > MAX_STRING);
  const shortened = long.map(argName);
  const hashes = new Set(shortened.map((name) => `${name}_sha256`));
  const toolInput: Record<string, unknown> = {};
  for (const key of long) {
    const name = argName(key);
    if (!same(name) || !same(`${name}_sha256`)) return { refused: `An approver in Airlock changed ${key}, which Airlock saw shortened, so the hook cannot apply the change` };
    toolInput[key] = input.tool_input[key];
  }
  for (const [name, value] of Object.entries(authorized)) {
    if (name === 'cwd' || shortened.includes(name) || hashes.has(name)) continue;
    // airlockArgsFor's renames undone: every `input_` name is one (inputArgName, or an input key a hash displaced).
    toolInput[name.startsWith(INPUT_PREFIX) ? name.slice(INPUT_PREFIX.length) : name] = value;
  }
  return { toolInput };
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

/**
 * Reports the run PreToolUse allowed, with the arguments that ran (the input Claude Code sends now):
 * when they are not the authorized ones, the report is a failure saying so. A call Airlock never saw
 * (another matcher) is left alone; a report Airlock does not take is a warning for the user.
 */
async function postToolUse(api: Airlock, input: ClaudeCodeHookInput, options: ClaudeCodeHookOptions): Promise<ClaudeCodeHookOutput> {
  const ran = airlockArgsFor(input);
  const actionId = (await takeNote(options, noteKeyFor(input, input.tool_input))) ?? (input.tool_use_id ? await actionOfToolUse(api, input, ran) : undefined);
  // No note and no tool-use id: PreToolUse allowed no such call (another matcher), so there is nothing to report.
  if (actionId === undefined) return { suppressOutput: true };
  const until = Date.now() + (options.reportRetryMs ?? 20_000);
  const state = await retrying(() => api.authorization(actionId, 0), until);
  if (state.status !== 'authorized') {
    return state.status === 'executed' || state.status === 'failed'
      ? { suppressOutput: true }
      : { systemMessage: `Airlock did not record this ${input.tool_name} run: its action ${actionId} is ${state.status}` };
  }
  const response = input.tool_response;
  const failed = typeof response === 'object' && response !== null && ('error' in response || (response as { success?: unknown }).success === false);
  // Bash's working directory carries over from command to command (`cd sub && make`), so the one Claude Code sends
  // now may differ from PreToolUse's; that one is the authorized `cwd` (the hook refuses an edit of it).
  const ranHere = typeof state.args.cwd === 'string' ? airlockArgsFor({ ...input, cwd: state.args.cwd }) : ran;
  const mismatch = editedArgsText(state.args, ranHere);
  const report: AgentRunReport = mismatch
    ? {
        authorizationId: state.authorizationId,
        args: state.args,
        status: 'failed',
        // The report names the authorized arguments (Airlock takes no other); the error says what ran instead.
        error: cutText(`Claude Code ran other arguments than Airlock authorized: ${JSON.stringify(ranHere)}`, MAX_ERROR_LENGTH),
      }
    : failed
      ? { authorizationId: state.authorizationId, args: state.args, status: 'failed', error: cutText(JSON.stringify(response), MAX_ERROR_LENGTH) }
      : { authorizationId: state.authorizationId, args: state.args, status: 'succeeded', output: capped(response) };
  await retrying(() => api.report(actionId, report), until);
  return mismatch
    ? { systemMessage: `Airlock: this ${input.tool_name} run did not use the arguments Airlock authorized; recorded as failed (action ${actionId})` }
    : { suppressOutput: true };
}

/** The action PreToolUse opened under this tool-use id when its note is gone; none if it never opened one. */
async function actionOfToolUse(api: Airlock, input: ClaudeCodeHookInput, ran: Record<string, unknown>): Promise<string | undefined> {
  // The same key and arguments find that action (created: false); nothing new starts if it exists.
  const { actionId, created } = await api.authorize({ tool: airlockToolFor(input.tool_name), args: ran, idempotencyKey: idempotencyKeyFor(input) });
  if (!created) return actionId;
  // PreToolUse was not wired for this tool: this call was never gated.
  await api
    .action(actionId)
    .cancel()
    .catch(() => undefined);
  return undefined;
}

/** Retries a call that failed on a blip (Airlock unreachable, 502/503/504) until `until`; any other failure is thrown. */
async function retrying<T>(call: () => Promise<T>, until: number): Promise<T> {
  let retryMs = 250;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isTransient(error) || Date.now() + retryMs >= until) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 5_000);
    }
  }
}

function capped(value: unknown): unknown {
  const text = JSON.stringify(value ?? null);
  return text.length <= 64 * 1024 ? (value ?? null) : { truncated: true, preview: cutText(text, 64 * 1024) };
}
