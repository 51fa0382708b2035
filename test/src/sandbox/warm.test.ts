import { createSandbox, type Sandbox, type SandboxRequest } from '@airlock/sandbox';
import { beforeAll, describe, expect, it } from 'vitest';

// A run set up like the previous one (the first: like the sandbox's own limits) takes the sandbox started ahead
// (warm-command.ts); `warmStart: false` starts every run from scratch. Both must give the command the same argv,
// environment, input and limits.
let sandbox: Sandbox;
let coldSandbox: Sandbox;
beforeAll(async () => {
  [sandbox, coldSandbox] = await Promise.all([createSandbox({ selfTest: false }), createSandbox({ selfTest: false, warmStart: false })]);
  expect(sandbox.capabilities.available, sandbox.capabilities.reason).toBe(true);
  expect(coldSandbox.capabilities.available, coldSandbox.capabilities.reason).toBe(true);
});

/** Both ways, one after the other. */
async function warmAndCold(request: SandboxRequest) {
  return { warm: await sandbox.run(request), cold: await coldSandbox.run(request) };
}

/** PID 1 inside is bwrap's init: its command line is the warm line's or the run's own command. */
const initCommand: SandboxRequest = { command: ['/bin/sh', '-c', 'tr "\\0" " " < /proc/1/cmdline'], timeoutMs: 20_000 };

/** Prints each argument on its own, delimited, so quotes and newlines show as they arrived. */
const printArgs = ['/bin/sh', '-c', 'for a in "$@"; do printf "<%s>" "$a"; done', 'printer'];

describe('warm sandbox', () => {
  it('runs in the sandbox started ahead, and with warmStart off in one of its own', async () => {
    const { warm, cold } = await warmAndCold(initCommand);
    expect(warm.stdout).toContain('airlock-run');
    expect(cold.stdout).not.toContain('airlock-run');
    expect(cold.stdout).toContain('/proc/1/cmdline');
  });

  it('sets the next sandbox up like the last run: a tool that always asks for the same tighter limits runs warm from its second run', async () => {
    const tight = { ...initCommand, limits: { memoryBytes: 128 * 2 ** 20, scratchBytes: 32 * 2 ** 20 } };
    const first = await sandbox.run(tight);
    const second = await sandbox.run(tight);
    expect(first.stdout).not.toContain('airlock-run');
    expect(second.stdout).toContain('airlock-run');
    const scratch = await sandbox.run({ ...tight, command: ['/bin/sh', '-c', 'df -k /scratch | tail -1'] });
    expect(scratch.stdout).toMatch(/\s32768\s/);
    // Back to the defaults: once cold, then warm again.
    expect((await sandbox.run(initCommand)).stdout).not.toContain('airlock-run');
    expect((await sandbox.run(initCommand)).stdout).toContain('airlock-run');
  });

  it("cuts output at the run's own cap: an output cap alone does not need another sandbox", async () => {
    await sandbox.run(initCommand);
    const capped = await sandbox.run({
      command: ['/bin/sh', '-c', 'tr "\\0" " " < /proc/1/cmdline >&2; head -c 5000 /dev/zero | tr "\\0" x'],
      timeoutMs: 20_000,
      limits: { maxOutputBytes: 2048 },
    });
    expect(capped).toMatchObject({ truncated: true, killedBy: 'output' });
    expect(capped.stderr).toContain('airlock-run');
    expect(capped.stdout).toBe('x'.repeat(2048));
  });

  it('passes arguments through exactly, whatever they hold, warm as cold', async () => {
    const tricky = ["it's", 'two words', 'a\nnewline', '$nl', '"$@"', "'\"'\"'", '; exec false', '\\n', '-e', ''];
    const request: SandboxRequest = { command: [...printArgs, ...tricky], timeoutMs: 20_000 };
    const { warm, cold: coldRun } = await warmAndCold(request);
    const expected = tricky.map((a) => `<${a}>`).join('');
    expect(warm).toMatchObject({ exitCode: 0, stdout: expected, stderr: '' });
    expect(coldRun).toMatchObject({ exitCode: 0, stdout: expected, stderr: '' });
  });

  it('sets the same environment (a variable named like the line’s own helpers changes nothing) and keeps PATH and HOME', async () => {
    const env = { nl: 'x', line: 'y', QUOTED: "a'b\nc", PATH: '/evil', HOME: '/evil' };
    const request: SandboxRequest = { command: ['/bin/sh', '-c', 'env | sort'], env, timeoutMs: 20_000 };
    const { warm, cold: coldRun } = await warmAndCold(request);
    expect(warm.exitCode).toBe(0);
    expect(warm.stdout).toBe(coldRun.stdout);
    expect(warm.stdout).toContain("QUOTED=a'b\nc\n");
    expect(warm.stdout).toContain('PATH=/usr/bin:/bin\n');
    expect(warm.stdout).toContain('HOME=/scratch\n');
    expect(warm.stdout).toContain('nl=x\n');
  });

  it("hands the run's stdin to the command after its command line, and EOF without one", async () => {
    const withInput = await sandbox.run({ command: ['/bin/cat'], stdin: 'first line\nsecond\n', timeoutMs: 20_000 });
    expect(withInput).toMatchObject({ exitCode: 0, stdout: 'first line\nsecond\n' });
    const without = await sandbox.run({ command: ['/bin/cat'], timeoutMs: 20_000 });
    expect(without).toMatchObject({ exitCode: 0, stdout: '' });
  });

  it("lowers the CPU-time limit to the run's deadline, as a cold run's launcher sets it", async () => {
    const request: SandboxRequest = { command: ['/bin/sh', '-c', 'ulimit -t; ulimit -H -t'], timeoutMs: 4_500 };
    const { warm, cold: coldRun } = await warmAndCold(request);
    expect(warm).toMatchObject({ exitCode: 0, stdout: '6\n6\n' });
    expect(coldRun.stdout).toBe(warm.stdout);
  });

  it('gives every run a fresh sandbox: nothing one run leaves in /scratch or /tmp is seen by the next', async () => {
    const first = await sandbox.run({ command: ['/bin/sh', '-c', 'echo left > /scratch/mark; echo left > /tmp/mark; echo $$'], timeoutMs: 20_000 });
    const second = await sandbox.run({ command: ['/bin/sh', '-c', 'ls -A /scratch /tmp'], timeoutMs: 20_000 });
    expect(first.exitCode).toBe(0);
    expect(second).toMatchObject({ exitCode: 0, stdout: '/scratch:\n\n/tmp:\n' });
  });

  it('reports a missing command as a failed run, not a sandbox failure', async () => {
    const result = await sandbox.run({ command: ['no-such-command-airlock'], timeoutMs: 20_000 });
    expect(result.exitCode).not.toBe(0);
    expect(result.killedBy).toBeNull();
  });

  it('leaves nothing behind but the warm sandbox waiting for the next run', async () => {
    await sandbox.run({ command: ['true'], timeoutMs: 20_000 });
    expect(await sandbox.leftovers()).toEqual({ scratchDirs: [], cgroups: [] });
  });
});
