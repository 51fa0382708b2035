import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '@airlock/core/spawn';
import { buildSeccompFilter, REFUSED_SYSCALLS, refusedNumbers, seccompArch, type Sandbox } from '@airlock/sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { marker, testSandbox } from './support.js';

const MiB = 1024 * 1024;
let sandbox: Sandbox;
const arch = seccompArch();

beforeAll(async () => {
  sandbox = await testSandbox();
  expect(sandbox.capabilities.available, sandbox.capabilities.reason).toBe(true);
});

const sh = (script: string, extra: Partial<Parameters<Sandbox['run']>[0]> = {}) => sandbox.run({ command: ['/bin/sh', '-c', script], timeoutMs: 30_000, ...extra });

describe('disk limit: /scratch and /tmp are sized tmpfs', () => {
  it('a command that writes past scratchBytes is stopped with killedBy "disk"', async () => {
    // Killed as soon as the worker sees the tmpfs full, or ended by dd's own ENOSPC error: either way, "disk".
    const result = await sh('dd if=/dev/zero of=big bs=1M count=100; echo "dd exit $?"', { limits: { scratchBytes: 8 * MiB } });
    expect(result).toMatchObject({ killedBy: 'disk', timedOut: false });
    expect(result.stdout).not.toMatch(/dd exit 0/);
  });

  it('a command that ignores ENOSPC and keeps writing to /tmp is killed, killedBy "disk", long before its deadline', async () => {
    const result = await sh('while :; do echo 0123456789abcdef0123456789abcdef >> /tmp/f 2>/dev/null; done', { limits: { tmpBytes: 2 * MiB }, timeoutMs: 60_000 });
    expect(result).toMatchObject({ killedBy: 'disk', timedOut: false });
  });

  it('/tmp inside is writable and both mounts are tmpfs of the configured sizes', async () => {
    const result = await sh('echo hi > /tmp/t && cat /tmp/t; grep -E " /(scratch|tmp) " /proc/self/mountinfo', { limits: { scratchBytes: 4 * MiB, tmpBytes: 2 * MiB } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^hi$/m);
    expect(result.stdout).toMatch(/ \/scratch rw,.* - tmpfs tmpfs rw,size=4096k/);
    expect(result.stdout).toMatch(/ \/tmp rw,.* - tmpfs tmpfs rw,size=2048k/);
  });

  it('a run within the sizes is not reported as a disk kill', async () => {
    const result = await sh('dd if=/dev/zero of=ok bs=1M count=2 2>/dev/null; echo done', { limits: { scratchBytes: 8 * MiB } });
    expect(result).toMatchObject({ exitCode: 0, killedBy: null, stdout: 'done\n' });
  });
});

describe('nothing of the host shows inside', () => {
  it("/proc/self/mountinfo names no host scratch path and no worker pid; PID 1's cmdline carries no environment values", async () => {
    const secret = marker('env-value');
    const result = await sh('cat /proc/self/mountinfo; echo ---; tr "\\0" " " < /proc/1/cmdline', { env: { TOKEN: secret } });
    const [mountinfo = '', cmdline = ''] = result.stdout.split('---\n');
    expect(mountinfo).not.toContain(os.tmpdir() === '/tmp' ? 'airlock-sandbox' : os.tmpdir());
    expect(mountinfo).not.toMatch(new RegExp(`\\b${process.pid}\\b`));
    // Only read-only system paths come from the host.
    const sources = [...mountinfo.matchAll(/^\S+ \S+ \S+ (\S+) (\S+) /gm)].map((m) => m[2]);
    expect(sources).toEqual(expect.arrayContaining(['/', '/usr', '/proc', '/dev', '/tmp', '/scratch']));
    expect(cmdline).toMatch(/bwrap --args 4 -- \/bin\/sh -c/);
    expect(cmdline).not.toContain(secret);
    expect(cmdline).not.toContain(String(process.pid));
  });

  it("the environment's values are not on any host command line while the run is in flight", async () => {
    const secret = marker('host-argv');
    const seen: string[] = [];
    const run = sh('echo started; sleep 2', {
      env: { TOKEN: secret },
      onOutput: () => {
        void (async () => {
          for (const pid of await readdir('/proc')) {
            if (!/^\d+$/.test(pid)) continue;
            const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
            if (argv.includes(secret)) seen.push(argv);
          }
        })();
      },
    });
    expect((await run).exitCode).toBe(0);
    expect(seen).toEqual([]);
  });

  it('a descriptor the worker inherited without close-on-exec reaches the sandbox only as /dev/null', async () => {
    // A child worker process that inherits a file at fd 250 from a shell's redirection (no close-on-exec).
    const script = path.join(import.meta.dirname, 'inherited-fd-probe.ts');
    const target = path.join(os.tmpdir(), `${marker('fd')}.log`);
    try {
      const run = await runProcess('a worker with an inherited descriptor', 'bash', ['-c', 'exec "$0" --import tsx "$1" 250>"$2"', process.execPath, script, target]);
      const out = run.stdout + run.stderr;
      const code = run.code;
      expect(code, out).toBe(0);
      // The worker itself did have it, open for writing and inheritable.
      expect(out).toMatch(/^worker fd250: .*\.log inheritable true$/m);
      expect(out).toMatch(/^fd250: \/dev\/null$/m);
      expect(await readFile(target, 'utf8')).toBe('');
    } finally {
      await rm(target, { force: true });
    }
  });
});

describe('seccomp', () => {
  it.runIf(arch)('is loaded: refused calls fail with EPERM inside, though they work on the host', async () => {
    const nr = (name: keyof typeof REFUSED_SYSCALLS) => REFUSED_SYSCALLS[name][arch!];
    // perl's syscall(): returns -1 and sets $! on failure.
    const harmless = [
      `print "ptrace:", syscall(${nr('ptrace')}, 0, 0, 0, 0), ":", ($!+0), "\\n";`, // PTRACE_TRACEME
      `print "keyctl:", syscall(${nr('keyctl')}, 0, -3, 0), ":", ($!+0), "\\n";`, // KEYCTL_GET_KEYRING_ID of the session keyring
      `print "unshare:", syscall(${nr('unshare')}, 0), ":", ($!+0), "\\n";`, // unshare(0) is a no-op when allowed
      `print "getpid:", (syscall(${arch === 'x64' ? 39 : 172}) > 0 ? "ok" : "fail"), "\\n";`,
    ];
    // Only inside: on the host (as root) this mount succeeds and hides the machine's /tmp under a new, empty
    // tmpfs, every run of this test (a run's module cache under /tmp vanished mid-run that way).
    const mount = `my ($s, $t, $f) = ("none", "/tmp", "tmpfs"); print "mount:", syscall(${nr('mount')}, $s, $t, $f, 0, 0), ":", ($!+0), "\\n";`;
    const probe = [...harmless, mount].join(' ');
    const host = await runProcess('perl on the host', 'perl', ['-e', harmless.join(' ')]);
    expect(host.stdout).toMatch(/^ptrace:0:/m);
    expect(host.stdout).toMatch(/^unshare:0:/m);
    const inside = await sandbox.run({ command: ['perl', '-e', probe], timeoutMs: 30_000 });
    expect(inside.stderr).toBe('');
    const EPERM = 1;
    for (const call of ['ptrace', 'keyctl', 'unshare', 'mount']) expect(inside.stdout).toMatch(new RegExp(`^${call}:-1:${EPERM}$`, 'm'));
    expect(inside.stdout).toMatch(/^getpid:ok$/m);
    const status = await sandbox.run({ command: ['grep', '^Seccomp', '/proc/self/status'], timeoutMs: 30_000 });
    expect(status.stdout).toMatch(/^Seccomp:\s+2$/m);
    expect(sandbox.capabilities.seccomp).toBe(true);
  });

  /** A classic-BPF interpreter for the instructions the generator emits: what the kernel would answer. */
  function evaluate(program: Buffer, data: { nr: number; arch: number }): number {
    let a = 0;
    for (let pc = 0; pc < program.length / 8; pc++) {
      const at = pc * 8;
      const code = program.readUInt16LE(at);
      const jt = program.readUInt8(at + 2);
      const jf = program.readUInt8(at + 3);
      const k = program.readUInt32LE(at + 4);
      if (code === 0x20) a = k === 0 ? data.nr : k === 4 ? data.arch : NaN;
      else if (code === 0x15) pc += a === k ? jt : jf;
      else if (code === 0x35) pc += a >= k ? jt : jf;
      else if (code === 0x06) return k;
      else throw new Error(`unexpected opcode ${code}`);
    }
    throw new Error('fell off the end');
  }

  it.each(['x64', 'arm64'] as const)('the %s program refuses every listed call with EPERM, allows the rest, kills foreign ABIs', (which) => {
    const program = buildSeccompFilter(which, 'LE');
    const native = which === 'x64' ? 0xc000003e : 0xc00000b7;
    const ERRNO_EPERM = 0x00050001;
    for (const nr of refusedNumbers(which)) expect(evaluate(program, { nr, arch: native })).toBe(ERRNO_EPERM);
    const refused = new Set(refusedNumbers(which));
    for (let nr = 0; nr < 460; nr++) if (!refused.has(nr)) expect(evaluate(program, { nr, arch: native })).toBe(0x7fff0000);
    // i386 (int 0x80) on x86_64, or arm32 on arm64: numbers of another table.
    expect(evaluate(program, { nr: 26, arch: 0x40000003 })).toBe(0x80000000);
    if (which === 'x64') expect(evaluate(program, { nr: 0x40000000 + 101, arch: native })).toBe(ERRNO_EPERM);
    expect(refusedNumbers(which)).toContain(REFUSED_SYSCALLS.ptrace[which]);
  });
});
