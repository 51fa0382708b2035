import { createSandbox, type Sandbox, type SandboxRequest } from '@airlock/sandbox';
import { beforeAll, describe, expect, it } from 'vitest';

// A run with the sandbox's own limits takes the warm sandbox started after the previous run (warm-command.ts);
// one with tighter limits starts cold. Both must give the command the same argv, environment, input and limits.
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox({ selfTest: false });
  expect(sandbox.capabilities.available, sandbox.capabilities.reason).toBe(true);
});

const cold = { limits: { maxOutputBytes: 1_000_000 - 1 } } satisfies Partial<SandboxRequest>;

/** Prints each argument on its own, delimited, so quotes and newlines show as they arrived. */
const printArgs = ['/bin/sh', '-c', 'for a in "$@"; do printf "<%s>" "$a"; done', 'printer'];

describe('warm sandbox', () => {
  it('runs a request with the default limits in the sandbox started ahead, and one with tighter limits in its own', async () => {
    // PID 1 inside is bwrap's init: its command line is the launch's, the warm line's or the run's own command.
    const request: SandboxRequest = { command: ['/bin/sh', '-c', 'tr "\\0" " " < /proc/1/cmdline'], timeoutMs: 20_000 };
    const warm = await sandbox.run(request);
    const coldRun = await sandbox.run({ ...request, ...cold });
    expect(warm.stdout).toContain('airlock-run');
    expect(coldRun.stdout).not.toContain('airlock-run');
    expect(coldRun.stdout).toContain('/proc/1/cmdline');
  });

  it('passes arguments through exactly, whatever they hold, warm as cold', async () => {
    const tricky = ["it's", 'two words', 'a\nnewline', '$nl', '"$@"', "'\"'\"'", '; exec false', '\\n', '-e', ''];
    const request: SandboxRequest = { command: [...printArgs, ...tricky], timeoutMs: 20_000 };
    const warm = await sandbox.run(request);
    const coldRun = await sandbox.run({ ...request, ...cold });
    const expected = tricky.map((a) => `<${a}>`).join('');
    expect(warm).toMatchObject({ exitCode: 0, stdout: expected, stderr: '' });
    expect(coldRun).toMatchObject({ exitCode: 0, stdout: expected, stderr: '' });
  });

  it('sets the same environment (a variable named like the line’s own helpers changes nothing) and keeps PATH and HOME', async () => {
    const env = { nl: 'x', line: 'y', QUOTED: "a'b\nc", PATH: '/evil', HOME: '/evil' };
    const request: SandboxRequest = { command: ['/bin/sh', '-c', 'env | sort'], env, timeoutMs: 20_000 };
    const warm = await sandbox.run(request);
    const coldRun = await sandbox.run({ ...request, ...cold });
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
    const warm = await sandbox.run(request);
    const coldRun = await sandbox.run({ ...request, ...cold });
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
