import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtinTools } from '@airlock/tools';
import { createSandbox, sandboxSelfTest, SandboxUnavailableError, type Sandbox } from '@airlock/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, findTool, marker, processesMatching, processesNamed, testSandbox, toolContext } from './support.js';

let sandbox: Sandbox;
const temp: string[] = [];

beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  for (const dir of temp) await rm(dir, { recursive: true, force: true });
});

describe('start-up self-test', () => {
  it('passes on this host, every check proven', async () => {
    expect(sandbox.capabilities).toMatchObject({ available: true, uidSwitch: 'spawn-uid', disableUserns: true });
    expect(sandbox.selfTest?.ok).toBe(true);
    expect(sandbox.selfTest?.checks.map((c) => c.name)).toEqual([
      'runs and cancels',
      'unprivileged',
      'network isolated',
      'loopback unreachable',
      'dns fails',
      'root read-only',
      'scratch writable',
      'host files hidden',
      'environment cleared',
      'own pid namespace',
      'seccomp filter',
      'scratch in memory',
      'nothing left behind',
    ]);
    const again = await sandboxSelfTest(sandbox);
    expect(again.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('reports which limits hold (cgroup v1 here: memory, pids and CPU)', () => {
    expect(sandbox.capabilities.limiter).toMatch(/^cgroup-v[12]$/);
    expect(sandbox.capabilities.enforced).toMatchObject({ memory: true, pids: true });
  });
});

describe('fail closed', () => {
  it('a missing bwrap makes the sandbox unavailable and shell.exec refuse, never run unsandboxed', async () => {
    const missing = await createSandbox({ bwrapPath: '/nonexistent/bwrap' });
    expect(missing.capabilities).toMatchObject({ available: false, reason: expect.stringContaining('bwrap not found at /nonexistent/bwrap') });
    await expect(missing.run({ command: ['true'], timeoutMs: 1000 })).rejects.toThrow(SandboxUnavailableError);
    await expect(missing.run({ command: ['true'], timeoutMs: 1000 })).rejects.toThrow(/^sandbox unavailable: bwrap not found/);
    expect((await sandboxSelfTest(missing)).ok).toBe(false);

    const name = marker('never-runs');
    const shell = findTool(builtinTools({ shell: { allowScript: true } }, { sandbox: missing }), 'shell.exec');
    await expect(callTool(shell, { script: `cp /usr/bin/sleep /tmp/${name}; /tmp/${name} 5` })).rejects.toThrow(/sandbox unavailable: bwrap not found/);
    expect(await processesMatching(name)).toEqual([]);
  });

  it('a host without user namespaces ("Creating new namespace failed") is detected at start-up', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-fake-bwrap-'));
    temp.push(dir);
    await chmod(dir, 0o755);
    const fake = path.join(dir, 'bwrap');
    // What bwrap prints where unprivileged user namespaces are forbidden.
    await writeFile(
      fake,
      '#!/bin/sh\ncase "$1" in --help) echo "--args --size --block-fd --info-fd --seccomp"; exit 0;; --version) echo "bubblewrap 0.8.0"; exit 0;; esac\necho "bwrap: Creating new namespace failed: Operation not permitted" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const refused = await createSandbox({ bwrapPath: fake });
    expect(refused.capabilities.available).toBe(false);
    expect(refused.capabilities.reason).toMatch(/bwrap cannot start a sandbox: .*Creating new namespace failed/);
    await expect(refused.run({ command: ['true'], timeoutMs: 1000 })).rejects.toThrow(/^sandbox unavailable: bwrap cannot start a sandbox/);
  });

  it('requireMemoryLimit refuses a host where memory cannot be limited', async () => {
    const strict = await createSandbox({ limiter: 'prlimit', requireMemoryLimit: true, selfTest: false });
    expect(strict.capabilities).toMatchObject({ available: false, reason: expect.stringContaining('requireMemoryLimit') });
  });
});

/**
 * A signal that is not aborted when first looked at and aborts at once after (a microtask later): the cancellation
 * lands while the run awaits its sandbox, before any abort listener is on it (one added later never fires).
 */
function abortedAfterFirstLook(): AbortSignal {
  const controller = new AbortController();
  let looked = false;
  Object.defineProperty(controller.signal, 'aborted', {
    get(this: AbortSignal) {
      if (looked) return Reflect.get<AbortSignal, 'aborted'>(AbortSignal.prototype, 'aborted', this);
      looked = true;
      queueMicrotask(() => controller.abort());
      return false;
    },
  });
  return controller.signal;
}

describe('cancellation', () => {
  it('an AbortSignal kills the whole sandboxed process tree, background processes included', async () => {
    const name = marker('cancel');
    const cancel = new AbortController();
    const run = sandbox.run({
      command: ['/bin/sh', '-c', `cp /usr/bin/sleep ./${name}; ./${name} 600 & setsid ./${name} 601 & echo started; wait`],
      timeoutMs: 60_000,
      signal: cancel.signal,
      onOutput: (_stream, chunk) => {
        if (chunk.toString().includes('started')) cancel.abort();
      },
    });
    const result = await run;
    expect(result).toMatchObject({ killedBy: 'cancel', timedOut: false });
    // SIGKILL reaches bwrap itself or first its child, which bwrap then reports as exit 128 + 9: either way, killed.
    expect(result.signal === 'SIGKILL' || result.exitCode === 137).toBe(true);
    expect(result.durationMs).toBeLessThan(30_000);
    expect(await processesMatching(name)).toEqual([]);
    expect(await sandbox.leftovers()).toEqual({ scratchDirs: [], cgroups: [] });
  });

  it('a cancellation landing while the run awaits its sandbox (after the first look, before any listener) kills it, warm and cold', async () => {
    const cold = await createSandbox({ selfTest: false, warmStart: false });
    // The warm one: right after another run, while the next warm sandbox is still being set up.
    await sandbox.run({ command: ['true'], timeoutMs: 10_000 });
    for (const box of [sandbox, cold]) {
      const name = marker('late-cancel');
      const result = await box.run({ command: ['/bin/sh', '-c', `echo ${name}; sleep 2`], timeoutMs: 60_000, signal: abortedAfterFirstLook() });
      expect(result).toMatchObject({ killedBy: 'cancel', stdout: '' });
      expect(await processesMatching(name)).toEqual([]);
    }
    expect(await cold.leftovers()).toEqual({ scratchDirs: [], cgroups: [] });
  });

  it('a cancellation on the next tick of run() is never lost, back to back runs included', async () => {
    for (let i = 0; i < 3; i++) {
      const cancel = new AbortController();
      const run = sandbox.run({ command: ['sleep', '2'], timeoutMs: 60_000, signal: cancel.signal });
      setTimeout(() => cancel.abort(), 0);
      expect(await run).toMatchObject({ killedBy: 'cancel' });
    }
  });

  it('shell.exec turns a cancellation into a failure, so runTool records it as cancelled', async () => {
    const name = `zz${marker('x').slice(-6)}`;
    const shell = findTool(builtinTools({ shell: { allowScript: true } }, { sandbox }), 'shell.exec');
    const cancel = new AbortController();
    const call = callTool(shell, { script: `cp /usr/bin/sleep ./${name}; ./${name} 600` }, toolContext({ signal: cancel.signal }));
    // Cancel once the payload is visibly running on the host.
    for (let i = 0; i < 400 && (await processesNamed(name)).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await processesNamed(name)).toHaveLength(1);
    cancel.abort();
    await expect(call).rejects.toThrow(/cancelled; the sandbox was killed/);
    expect(await processesNamed(name)).toEqual([]);
    expect(await processesMatching(name)).toEqual([]);
  });
});

describe('the prlimit fallback (no cgroup)', () => {
  it('still proves itself, kills at the deadline and leaves no process', async () => {
    const fallback = await createSandbox({ limiter: 'prlimit' });
    expect(fallback.capabilities).toMatchObject({ available: true, limiter: 'prlimit', enforced: { memory: false, pids: true, cpuTime: true } });
    const result = await fallback.run({ command: ['/bin/sh', '-c', 'while :; do :; done'], timeoutMs: 800 });
    expect(result).toMatchObject({ killedBy: 'timeout', timedOut: true });
    // Without a cgroup to sweep, the PID namespace alone takes background processes down.
    const name = marker('fallback-orphan');
    const orphans = await fallback.run({ command: ['/bin/sh', '-c', `cp /usr/bin/sleep ./${name}; setsid ./${name} 600 & (./${name} 601 &); echo started`], timeoutMs: 10_000 });
    expect(orphans).toMatchObject({ exitCode: 0, stdout: 'started\n' });
    expect(await processesMatching(name)).toEqual([]);
    expect(await fallback.leftovers()).toEqual({ scratchDirs: [], cgroups: [] });
  });
});

describe('arguments', () => {
  it('runs argv without a shell and passes stdin', async () => {
    const result = await sandbox.run({ command: ['tr', 'a-z', 'A-Z'], stdin: 'airlock; $(id)', timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'AIRLOCK; $(ID)', killedBy: null, truncated: false });
  });

  it('shell.exec refuses scripts unless allowed, and commands off the allowlist', async () => {
    const strict = findTool(builtinTools({ shell: { allowedCommands: ['echo'] } }, { sandbox }), 'shell.exec');
    await expect(callTool(strict, { script: 'echo hi' })).rejects.toThrow(/scripts are disabled/);
    await expect(callTool(strict, { command: ['sh', '-c', 'echo hi'] })).rejects.toThrow(/"sh" is not an allowed command/);
    await expect(callTool(strict, { command: ['echo', 'hi'] })).resolves.toMatchObject({ stdout: 'hi\n', exitCode: 0 });
  });
});
