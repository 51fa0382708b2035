import { spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildSeccompFilter, createSandbox, seccompArch, type Sandbox } from '@airlock/sandbox';
import { summarize } from './stats.js';
import { f1, ratio, table } from './table.js';

// Per-run overhead of the shell sandbox: /bin/true spawned plainly, under a bare
// bwrap line (the one in shared/notes/sandbox.md), bwrap with Sandbox.run's layout
// but nothing else, and through Sandbox.run with each limiter (cgroup or prlimit,
// disk watch, kill and clean-up included).
// Variants are interleaved round-robin so load drift hits them alike.
//
//   npx tsx bench/src/sandbox-overhead.ts [--runs=200] [--warmup=10] [--pause=100]

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const runs = arg('runs', 200);
const warmup = arg('warmup', 10);
// Between two timed runs: the sandbox starts the next run's sandbox ahead (warm) right after a run, and that
// work must not land inside the next variant's timing. A worker's tools seldom run back to back.
const pauseMs = arg('pause', 100);

function timedSpawn(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} exited ${code}`))));
  });
}

async function bareBwrap(): Promise<number> {
  const started = performance.now();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'airlock-bench-'));
  const root = process.getuid?.() === 0;
  if (root) await chown(scratch, 65534, 65534);
  const bwrap = [
    'bwrap',
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/bin:/bin',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--ro-bind',
    '/etc/ld.so.cache',
    '/etc/ld.so.cache',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--bind',
    scratch,
    '/scratch',
    '--remount-ro',
    '/',
    '--chdir',
    '/scratch',
    '--hostname',
    'sandbox',
    '/bin/true',
  ];
  const [command, ...args] = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...bwrap] : bwrap;
  await timedSpawn(command!, args);
  await rm(scratch, { recursive: true, force: true });
  return performance.now() - started;
}

const arch = seccompArch();
const seccomp = arch ? buildSeccompFilter(arch) : undefined;

/**
 * bwrap alone with the layout Sandbox.run gives it (arguments on fd 4, /scratch and /tmp
 * as sized tmpfs, the seccomp filter on fd 5, every namespace, --disable-userns), spawned
 * as 65534 directly: no limits, no disk watch, no cgroup. What the flags cost, apart from our bookkeeping.
 */
function bwrapLikeSandbox(): Promise<number> {
  const started = performance.now();
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/bin:/bin',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--ro-bind-try',
    '/etc/ld.so.cache',
    '/etc/ld.so.cache',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--remount-ro',
    '/dev',
    '--size',
    String(64 * 2 ** 20),
    '--tmpfs',
    '/tmp',
    '--size',
    String(64 * 2 ** 20),
    '--tmpfs',
    '/scratch',
    '--remount-ro',
    '/',
    '--chdir',
    '/scratch',
    '--hostname',
    'sandbox',
    ...(seccomp ? ['--seccomp', '5'] : []),
  ];
  const root = process.getuid?.() === 0;
  return new Promise((resolve, reject) => {
    const child = spawn('bwrap', ['--args', '4', '--', '/bin/true'], {
      env: { PATH: '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'pipe', seccomp ? 'pipe' : 'ignore'],
      ...(root ? { uid: 65534, gid: 65534 } : {}),
    });
    (child.stdio[4] as unknown as NodeJS.WritableStream).end(Buffer.from(args.map((a) => `${a}\0`).join('')));
    if (seccomp) (child.stdio[5 as number] as unknown as NodeJS.WritableStream).end(seccomp);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`bwrap exited ${code}`))));
  });
}

async function sandboxed(sandbox: Sandbox): Promise<number> {
  const started = performance.now();
  const result = await sandbox.run({ command: ['/bin/true'], timeoutMs: 10_000 });
  if (result.exitCode !== 0) throw new Error(`sandboxed /bin/true exited ${result.exitCode}: ${result.stderr}`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const cgroupSandbox = await createSandbox({ selfTest: false });
  const coldSandbox = await createSandbox({ selfTest: false, warmStart: false });
  const prlimitSandbox = await createSandbox({ selfTest: false, limiter: 'prlimit' });
  for (const s of [cgroupSandbox, coldSandbox, prlimitSandbox]) if (!s.capabilities.available) throw new Error(s.capabilities.reason);

  const variants: [string, () => Promise<number>][] = [
    ['plain spawn /bin/true', () => timedSpawn('/bin/true', [])],
    ['bare bwrap line (notes), setpriv', bareBwrap],
    ['bwrap, Sandbox.run layout, no limits', bwrapLikeSandbox],
    [`Sandbox.run, ${cgroupSandbox.capabilities.limiter ?? '?'}, warm (started ahead)`, () => sandboxed(cgroupSandbox)],
    [`Sandbox.run, ${coldSandbox.capabilities.limiter ?? '?'}, cold (warmStart: false)`, () => sandboxed(coldSandbox)],
    ['Sandbox.run, prlimit fallback, warm', () => sandboxed(prlimitSandbox)],
  ];
  const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  const failures = new Map<string, string[]>(variants.map(([name]) => [name, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const [name, run] of variants) {
      // A failed start (e.g. the machine's pid limits hit by other work) is reported, not timed.
      const ms = await run().catch((error: Error) => (failures.get(name)!.push(error.message), undefined));
      if (i >= warmup && ms !== undefined) samples.get(name)!.push(ms);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  const plain = summarize(samples.get(variants[0]![0])!);
  const rows = variants.map(([name]) => {
    const s = summarize(samples.get(name)!);
    return [name, String(s.n), f1(s.p50), f1(s.p90), f1(s.p99), f1(s.mean), ratio(s.p50 / plain.p50), f1(s.p50 - plain.p50)];
  });
  console.log(`${runs} runs each (+${warmup} warm-up), interleaved, ${pauseMs} ms apart; ms per run of /bin/true`);
  console.log(
    `machine: ${os.availableParallelism()} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.release()}, node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(table(['variant', 'n', 'p50', 'p90', 'p99', 'mean', 'p50 ratio', 'p50 overhead'], rows));
  for (const [name, errors] of failures) if (errors.length > 0) console.log(`${name}: ${errors.length} failed start(s), e.g. ${errors[0]}`);
  const left = await cgroupSandbox.leftovers();
  if (left.scratchDirs.length + left.cgroups.length > 0) throw new Error(`left behind: ${JSON.stringify(left)}`);
}

await main();
