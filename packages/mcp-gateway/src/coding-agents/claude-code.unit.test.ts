import { createHash } from 'node:crypto';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { airlockArgsFor, runClaudeCodeHook } from './claude-code.js';

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

/**
 * A fake Airlock (the REST API the hook's client calls): every authorization request opens (or finds, by
 * key) an action whose authorization is `authorized` with `authorizedArgs` (the asked ones when not
 * given); `reportAnswers` are the report endpoint's answers in turn (the last one repeats).
 */
function fakeAirlock(options: { authorizedArgs?: Record<string, unknown>; reportAnswers?: Array<{ status: number; body?: unknown }> } = {}) {
  const actions = new Map<string, { actionId: string; args: Record<string, unknown>; outcome?: unknown; claimedBy?: string }>();
  const keys: string[] = [];
  const reports: Array<{ status: string; args: unknown; output?: unknown; error?: string }> = [];
  const cancelled: string[] = [];
  const claims: string[] = [];
  const json = (status: number, body: unknown) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const id = url.pathname.split('/')[4] ?? '';
    if (url.pathname === '/api/v1/authorizations') {
      const body = JSON.parse(init?.body as string) as { idempotencyKey: string; args: Record<string, unknown> };
      keys.push(body.idempotencyKey);
      const known = actions.get(body.idempotencyKey);
      if (known) return json(200, { actionId: known.actionId, created: false });
      actions.set(body.idempotencyKey, { actionId: `act-${actions.size + 1}`, args: body.args });
      return json(200, { actionId: `act-${actions.size}`, created: true });
    }
    const action = [...actions.values()].find((candidate) => candidate.actionId === id);
    if (!action) return json(404, { error: { code: 'not_found', message: `no action ${id}` } });
    if (url.pathname.endsWith('/authorization')) {
      const args = options.authorizedArgs ?? action.args;
      return json(
        200,
        action.outcome ?? {
          status: 'authorized',
          actionId: id,
          tool: 'claude_code.write',
          authorizationId: `auth-${id}`,
          args,
          argsHash: 'h',
          expiresAt: new Date(Date.now() + 600_000).toISOString(),
        },
      );
    }
    if (url.pathname.endsWith('/claim')) {
      // As the server: the first runner's claim is taken (again for it), another's is a 409 conflict.
      const { authorizationId, runnerId } = JSON.parse(init?.body as string) as { authorizationId: string; runnerId: string };
      claims.push(runnerId);
      action.claimedBy ??= runnerId;
      const claimedAt = '2030-01-01T00:00:00.000Z';
      if (action.claimedBy !== runnerId) return json(409, { error: { code: 'conflict', message: `the run was already claimed by another runner at ${claimedAt}` } });
      return json(200, { status: 'claimed', actionId: id, authorizationId, runnerId, claimedAt });
    }
    if (url.pathname.endsWith('/report')) {
      const body = JSON.parse(init?.body as string) as (typeof reports)[number];
      reports.push(body);
      const answers = options.reportAnswers ?? [{ status: 200 }];
      const answer = answers[Math.min(reports.length - 1, answers.length - 1)]!;
      if (answer.status !== 200) return json(answer.status, answer.body);
      action.outcome = body.status === 'succeeded' ? { status: 'executed', actionId: id, output: body.output } : { status: 'failed', actionId: id, error: body.error };
      return json(200, action.outcome);
    }
    if (url.pathname.endsWith('/cancel')) cancelled.push(id);
    return json(200, { actionId: id, cancelRequested: true });
  };
  return { fetch, keys, reports, cancelled, claims };
}

const hookEvent = (event: 'PreToolUse' | 'PostToolUse', toolInput: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: 's-1', hook_event_name: event, tool_name: 'Write', tool_input: toolInput, cwd: '/repo', ...extra });

describe('the Claude Code hook runs what Airlock authorized, once, and records what ran', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'airlock-hook-test-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });
  const asked = { file_path: '/etc/hosts', content: '0.0.0.0 bank.example' };
  const edited = { file_path: '/repo/notes.txt', content: 'harmless' };

  it('allows an approver’s edit with updatedInput (the input to run), and PostToolUse reports the edited run', async () => {
    const airlock = fakeAirlock({ authorizedArgs: { cwd: '/repo', ...edited } });
    const options = { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch: airlock.fetch, stateDir };
    const pre = await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-edit' }), options);
    expect(pre).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow', updatedInput: edited } });
    // Claude Code runs the updated input; PostToolUse carries it.
    const post = await runClaudeCodeHook(hookEvent('PostToolUse', edited, { tool_use_id: 'u-edit', tool_response: { success: true } }), options);
    expect(post).toEqual({ suppressOutput: true });
    expect(airlock.reports).toEqual([{ authorizationId: 'auth-act-1', args: { cwd: '/repo', ...edited }, status: 'succeeded', output: { success: true } }]);
  });

  it('a tool input with a cwd of its own: Airlock sees it as input_cwd beside the session’s cwd, and an edit of it goes back as the input’s cwd', async () => {
    const own = { command: 'make', cwd: '/repo/sub' };
    const airlock = fakeAirlock({ authorizedArgs: { cwd: '/repo', command: 'make', input_cwd: '/repo/other' } });
    const options = { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch: airlock.fetch, stateDir };
    const pre = await runClaudeCodeHook(hookEvent('PreToolUse', own, { tool_use_id: 'u-own-cwd' }), options);
    expect(pre).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow', updatedInput: { command: 'make', cwd: '/repo/other' } } });
  });

  it('claims the run before it allows it: the same tool use again (Claude Code killed mid-run, no report made) is denied, never run twice', async () => {
    const airlock = fakeAirlock();
    const options = { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch: airlock.fetch, stateDir };
    expect(await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-killed' }), options)).toMatchObject({
      hookSpecificOutput: { permissionDecision: 'allow' },
    });
    // The restarted session retries the tool use: the same action, still authorized in Airlock.
    const again = await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-killed' }), { ...options, stateDir: `${stateDir}/restarted` });
    expect(again).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason:
          'Write was not run here: this call was already started by another run (the run was already claimed by another runner at 2030-01-01T00:00:00.000Z), and its result is not known here. It shows in Airlock (action act-1) once that run reports it; do not call Write again for this. (action act-1)',
      },
    });
    expect(airlock.claims).toHaveLength(2);
    expect(airlock.reports).toEqual([]);
    // The refused run's note is gone: its PostToolUse never comes.
    expect((await readdir(`${stateDir}/restarted`)).filter((name) => name.endsWith('.act-1'))).toEqual([]);
  });

  it('a tool input holding both cwd and input_cwd keeps each under a name of its own, and an edit maps back to both', async () => {
    const own = { command: 'make', cwd: '/etc', input_cwd: '/repo/sub' };
    const args = airlockArgsFor({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: own, cwd: '/repo' });
    expect(args).toEqual({ cwd: '/repo', command: 'make', input_cwd: '/etc', input_input_cwd: '/repo/sub' });
    const airlock = fakeAirlock({ authorizedArgs: { ...args, input_cwd: '/repo/build' } });
    const options = { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch: airlock.fetch, stateDir };
    const pre = await runClaudeCodeHook(hookEvent('PreToolUse', own, { tool_use_id: 'u-both-cwd' }), options);
    expect(pre).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow', updatedInput: { command: 'make', cwd: '/repo/build', input_cwd: '/repo/sub' } } });
  });

  it('a run with other arguments than authorized is reported as failed, saying what ran, and the user is told', async () => {
    const airlock = fakeAirlock({ authorizedArgs: { cwd: '/repo', ...edited } });
    const options = { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch: airlock.fetch, stateDir };
    await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-ignored' }), options);
    // A Claude Code that ignored updatedInput ran the original input.
    const post = await runClaudeCodeHook(hookEvent('PostToolUse', asked, { tool_use_id: 'u-ignored', tool_response: { success: true } }), options);
    expect(post).toEqual({ systemMessage: 'Airlock: this Write run did not use the arguments Airlock authorized; recorded as failed (action act-1)' });
    expect(airlock.reports).toEqual([
      {
        authorizationId: 'auth-act-1',
        args: { cwd: '/repo', ...edited },
        status: 'failed',
        error: `Claude Code ran other arguments than Airlock authorized: ${JSON.stringify({ cwd: '/repo', ...asked })}`,
      },
    ]);
  });

  it('refuses an edit of the working directory, which it cannot apply', async () => {
    const airlock = fakeAirlock({ authorizedArgs: { cwd: '/elsewhere', ...asked } });
    const answer = await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-cwd' }), {
      airlockUrl: 'http://airlock.test',
      apiKey: 'alk_test',
      waitMs: 0,
      fetch: airlock.fetch,
      stateDir,
    });
    expect(answer).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(/changed the working directory/) } });
  });

  it('without a tool-use id, every PreToolUse asks for a decision of its own: one approval never covers a repeat', async () => {
    const airlock = fakeAirlock();
    const options = { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch: airlock.fetch, stateDir };
    for (let run = 0; run < 2; run += 1) {
      expect(await runClaudeCodeHook(hookEvent('PreToolUse', asked), options)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow' } });
      expect(await runClaudeCodeHook(hookEvent('PostToolUse', asked, { tool_response: { success: true } }), options)).toEqual({ suppressOutput: true });
    }
    expect(new Set(airlock.keys).size).toBe(2);
    expect(airlock.reports.map((report) => report.args)).toEqual([
      { cwd: '/repo', ...asked },
      { cwd: '/repo', ...asked },
    ]);
  });

  it('retries a report that failed on a blip', async () => {
    const unavailable = { status: 503, body: { error: { code: 'unavailable', message: 'try again' } } };
    const airlock = fakeAirlock({ reportAnswers: [unavailable, unavailable, { status: 200 }] });
    const options = { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch: airlock.fetch, stateDir };
    await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-blip' }), options);
    expect(await runClaudeCodeHook(hookEvent('PostToolUse', asked, { tool_use_id: 'u-blip', tool_response: { success: true } }), options)).toEqual({ suppressOutput: true });
    expect(airlock.reports.map((report) => report.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('tells the user when Airlock refuses the report, instead of dropping it', async () => {
    const refused = { status: 400, body: { error: { code: 'invalid_request', message: 'invalid request', issues: [{ path: 'output', message: 'not storable' }] } } };
    const airlock = fakeAirlock({ reportAnswers: [refused] });
    const options = { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch: airlock.fetch, stateDir };
    await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-refused' }), options);
    const post = await runClaudeCodeHook(hookEvent('PostToolUse', asked, { tool_use_id: 'u-refused', tool_response: { success: true } }), options);
    expect(post).toEqual({ systemMessage: 'Airlock did not record this Write run: invalid request: output: not storable' });
  });

  it('cuts a long failure on a code-point boundary, never inside an emoji', async () => {
    const airlock = fakeAirlock();
    const options = { airlockUrl: 'http://airlock.test', apiKey: 'alk_test', waitMs: 0, fetch: airlock.fetch, stateDir };
    await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-emoji' }), options);
    // JSON.stringify puts `{"error":"` (10 characters) first: the emoji straddles the 4000th unit.
    await runClaudeCodeHook(hookEvent('PostToolUse', asked, { tool_use_id: 'u-emoji', tool_response: { error: `${'a'.repeat(3989)}\u{1F600}tail` } }), options);
    expect(airlock.reports[0]?.error).toBe(`{"error":"${'a'.repeat(3989)}`);
  });
});

describe('the Claude Code hook keeps its notes in a folder only its user can reach', () => {
  let base: string;
  let stateDir: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'airlock-hook-folder-'));
    stateDir = path.join(base, 'notes');
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });
  const asked = { file_path: '/repo/a.txt', content: 'a' };
  const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
  const options = (airlock: ReturnType<typeof fakeAirlock>, dir = stateDir) => ({
    airlockUrl: 'http://airlock.test',
    apiKey: 'alk_test',
    waitMs: 0,
    fetch: airlock.fetch,
    stateDir: dir,
  });
  const reasonOf = (answer: unknown) => (answer as { hookSpecificOutput?: { permissionDecisionReason?: string } }).hookSpecificOutput?.permissionDecisionReason ?? '';
  // The note's name for a call with a tool-use id: its key (as the hook computes it), a dot, the action id.
  const noteKey = (toolUseId: string) =>
    createHash('sha256')
      .update(JSON.stringify(['s-1', toolUseId, null]))
      .digest('hex')
      .slice(0, 40);

  it('by default, a folder of this user’s own (airlock-claude-code-<uid> in the OS temp directory), mode 0700, not the shared airlock-claude-code', async () => {
    const airlock = fakeAirlock();
    // os.tmpdir() is $TMPDIR.
    vi.stubEnv('TMPDIR', base);
    try {
      const pre = await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-default' }), {
        airlockUrl: 'http://airlock.test',
        apiKey: 'alk_test',
        waitMs: 0,
        fetch: airlock.fetch,
      });
      expect(pre).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow' } });
    } finally {
      vi.unstubAllEnvs();
    }
    const dir = path.join(base, `airlock-claude-code-${process.getuid!()}`);
    expect(await readdir(dir)).toEqual([`${noteKey('u-default')}.act-1`]);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('refuses a folder that is a symbolic link (withdrawing the action), and deletes nothing where it points', async () => {
    const elsewhere = path.join(base, 'victim-ssh');
    await mkdir(elsewhere, { mode: 0o700 });
    await writeFile(path.join(elsewhere, 'authorized_keys'), 'ssh-ed25519 AAAA');
    await utimes(path.join(elsewhere, 'authorized_keys'), threeDaysAgo, threeDaysAgo);
    await symlink(elsewhere, stateDir);
    const airlock = fakeAirlock();
    const pre = await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-link' }), options(airlock));
    expect(pre).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny' } });
    expect(reasonOf(pre)).toBe(
      `Airlock allowed the call (action act-1, now withdrawn), but the hook could not leave its note for PostToolUse: the hook's notes folder ${stateDir} is a symbolic link, so the hook will not use it (remove it, or make it this user's own with mode 0700); the call is refused`,
    );
    expect(airlock.cancelled).toEqual(['act-1']);
    expect(await readdir(elsewhere)).toEqual(['authorized_keys']);
  });

  it('refuses a folder another user owns, withdrawing the action', async () => {
    await mkdir(stateDir, { mode: 0o700 });
    await chown(stateDir, 65534, 65534);
    const airlock = fakeAirlock();
    const pre = await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-owner' }), options(airlock));
    expect(pre).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny' } });
    expect(reasonOf(pre)).toContain(`notes folder ${stateDir} is owned by uid 65534, not by this user (uid ${process.getuid!()})`);
    expect(airlock.cancelled).toEqual(['act-1']);
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('refuses a folder open to its group, withdrawing the action', async () => {
    await mkdir(stateDir);
    await chmod(stateDir, 0o770);
    const airlock = fakeAirlock();
    const pre = await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-mode' }), options(airlock));
    expect(reasonOf(pre)).toContain(`notes folder ${stateDir} is open to other users (mode 0770)`);
    expect(airlock.cancelled).toEqual(['act-1']);
  });

  it('denies and withdraws the action when the note cannot be written, rather than run a call it cannot record', async () => {
    await mkdir(stateDir, { mode: 0o700 });
    // Something (here a folder) already holds the note's name: writing the note fails.
    await mkdir(path.join(stateDir, `${noteKey('u-blocked')}.act-1`));
    const airlock = fakeAirlock();
    const pre = await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-blocked' }), options(airlock));
    expect(reasonOf(pre)).toMatch(
      /^Airlock allowed the call \(action act-1, now withdrawn\), but the hook could not leave its note for PostToolUse: .*EISDIR.*; the call is refused$/,
    );
    expect(airlock.cancelled).toEqual(['act-1']);
    // Withdrawn before any claim: the action ends saying the tool did not run, not that it may have.
    expect(airlock.claims).toEqual([]);
  });

  it('PostToolUse takes no note from a folder another user owns (it could have planted one), and says why', async () => {
    const airlock = fakeAirlock();
    await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-taken' }), options(airlock));
    await chown(stateDir, 65534, 65534);
    const post = await runClaudeCodeHook(hookEvent('PostToolUse', asked, { tool_use_id: 'u-taken', tool_response: { success: true } }), options(airlock));
    expect(post).toEqual({
      systemMessage: `Airlock did not record this Write run: the hook's notes folder ${stateDir} is owned by uid 65534, not by this user (uid ${process.getuid!()}), so the hook will not use it (remove it, or make it this user's own with mode 0700)`,
    });
    expect(airlock.reports).toEqual([]);
  });

  it('drops only stale notes: never another file, nor a link named like a note', async () => {
    await mkdir(stateDir, { mode: 0o700 });
    const staleNote = `${'a'.repeat(40)}.act-old`;
    const linkedNote = `${'b'.repeat(40)}.act-link`;
    const target = path.join(base, 'target');
    await writeFile(target, 'keep');
    await writeFile(path.join(stateDir, staleNote), '');
    await writeFile(path.join(stateDir, 'keep.txt'), 'keep');
    await symlink(target, path.join(stateDir, linkedNote));
    for (const name of [staleNote, 'keep.txt']) await utimes(path.join(stateDir, name), threeDaysAgo, threeDaysAgo);
    await utimes(target, threeDaysAgo, threeDaysAgo);
    const airlock = fakeAirlock();
    await runClaudeCodeHook(hookEvent('PreToolUse', asked, { tool_use_id: 'u-clean' }), options(airlock));
    expect((await readdir(stateDir)).sort()).toEqual([`${noteKey('u-clean')}.act-1`, linkedNote, 'keep.txt'].sort());
    expect((await lstat(path.join(stateDir, linkedNote))).isSymbolicLink()).toBe(true);
  });

  it('a Bash run whose working directory moved since PreToolUse (`cd sub && …` carries over) is the run Airlock authorized', async () => {
    const airlock = fakeAirlock();
    const bash = (event: 'PreToolUse' | 'PostToolUse', cwd: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ session_id: 's-1', hook_event_name: event, tool_name: 'Bash', tool_input: { command: 'cd sub && make' }, cwd, tool_use_id: 'u-cd', ...extra });
    expect(await runClaudeCodeHook(bash('PreToolUse', '/repo'), options(airlock))).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow' } });
    expect(await runClaudeCodeHook(bash('PostToolUse', '/repo/sub', { tool_response: { stdout: 'built' } }), options(airlock))).toEqual({ suppressOutput: true });
    expect(airlock.reports).toEqual([{ authorizationId: 'auth-act-1', args: { cwd: '/repo', command: 'cd sub && make' }, status: 'succeeded', output: { stdout: 'built' } }]);
  });
});
