import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Sandbox, SelfTestCheck, SelfTestReport } from './options.js';

const ALLOWED_ENV = new Set(['PATH', 'HOME', 'PWD', 'SHLVL', 'OLDPWD', '_']);

/** The probe: plain POSIX sh plus coreutils; bash only for a TCP attempt when it exists. */
function probeScript(port: number, secretDir: string, secretFile: string): string {
  return `
echo "ifaces:$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ',')"
if command -v bash >/dev/null 2>&1; then
  if bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null; then echo tcp:connected; else echo tcp:refused; fi
else echo tcp:skipped; fi
if getent hosts example.com >/dev/null 2>&1; then echo dns:resolved; else echo dns:failed; fi
for p in /usr/.airlock-probe /etc/.airlock-probe /.airlock-probe '${secretDir}/.airlock-probe'; do
  if (echo x > "$p") 2>/dev/null; then echo "write:$p:ok"; else echo "write:$p:refused"; fi
done
if (echo x > /scratch/.airlock-probe) 2>/dev/null; then echo scratch:writable; else echo scratch:readonly; fi
if cat '${secretFile}' 2>/dev/null; then echo; echo secret:read; else echo secret:unreadable; fi
echo "env:$(env | cut -d= -f1 | sort | tr '\\n' ',')"
echo "init-env:$(tr '\\0' '\\n' < /proc/1/environ | cut -d= -f1 | sort | tr '\\n' ',')"
echo "seccomp:$(grep '^Seccomp:' /proc/self/status | tr -dc 0-9)"
echo "scratch-fs:$(grep ' /scratch ' /proc/self/mountinfo | sed 's/.* - //' | cut -d' ' -f1)"
echo "pids:$(ls /proc | grep -c '^[0-9]')"
# Stays alive (its argv carries the marker) until the host has checked its uid and cancels it.
sleep 60
`;
}

/**
 * Host-side: the uids of the probe, once it runs: the process whose argv carries
 * `marker` and that lives in another PID namespace (the launcher's argv carries
 * the marker too, but it runs in ours, as root, before it drops to the sandbox uid).
 */
async function hostUidsOf(marker: string, signal: AbortSignal): Promise<string | undefined> {
  const ownPidNamespace = await readlink('/proc/self/ns/pid');
  while (!signal.aborted) {
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (!cmdline.split('\0').includes(marker)) continue;
      const namespace = await readlink(`/proc/${pid}/ns/pid`).catch(() => ownPidNamespace);
      if (namespace === ownPidNamespace) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const uids = /^Uid:\s+(.*)$/m.exec(status)?.[1];
      if (uids) return uids.trim();
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}

const line = (stdout: string, key: string) => new RegExp(`^${key}:(.*)$`, 'm').exec(stdout)?.[1]?.trim() ?? '';
const names = (list: string) => list.split(',').filter(Boolean);

/**
 * Proves a sandbox holds on this host, asserting from outside where it can: a
 * loopback listener sees no connection, a world-readable secret file outside
 * scratch is not readable, a write outside scratch leaves nothing on the host,
 * the environment is cleared, the sandbox's uid is not root on the host and it
 * has its own network and PID namespaces.
 */
export async function runSelfTest(sandbox: Sandbox): Promise<SelfTestReport> {
  const started = performance.now();
  let connections = 0;
  const listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as { port: number }).port;
  const secretDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-selftest-'));
  const secret = `airlock-canary-${randomBytes(12).toString('hex')}`;
  const secretFile = path.join(secretDir, 'secret');
  await writeFile(secretFile, secret, { mode: 0o644 });
  const checks: SelfTestCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  try {
    const marker = `airlock-probe-${randomBytes(8).toString('hex')}`;
    const cancel = new AbortController();
    let printed = '';
    let probed: () => void = () => undefined;
    const probeDone = new Promise<void>((resolve) => (probed = resolve));
    const run = sandbox.run({
      command: ['/bin/sh', '-c', probeScript(port, secretDir, secretFile), marker],
      timeoutMs: 20_000,
      signal: cancel.signal,
      onOutput: (stream, chunk) => {
        if (stream === 'stdout') printed += chunk.toString();
        if (/^pids:.*\n/m.test(printed)) probed();
      },
    });
    // The probe has printed everything and now sleeps: look at it from the host, then cancel it.
    const uids = await Promise.race([probeDone.then(() => hostUidsOf(marker, AbortSignal.timeout(15_000))), run.then(() => undefined)]);
    cancel.abort();
    const result = await run;
    const out = result.stdout;
    check(
      'runs and cancels',
      out.includes('pids:') && result.killedBy === 'cancel',
      `exit ${result.exitCode ?? result.signal}, killed by ${result.killedBy}${result.stderr ? `: ${result.stderr.slice(0, 500)}` : ''}`,
    );
    check('unprivileged', uids !== undefined && uids.split(/\s+/).every((u) => u !== '0'), `host uids ${uids ?? 'not found'}`);

    const ifaces = names(line(out, 'ifaces'));
    check('network isolated', ifaces.length === 1 && ifaces[0] === 'lo', `interfaces: ${ifaces.join(' ') || 'none'}`);
    check('loopback unreachable', connections === 0 && line(out, 'tcp') !== 'connected', `host listener saw ${connections} connection(s); probe: ${line(out, 'tcp')}`);
    check('dns fails', line(out, 'dns') === 'failed', `probe: ${line(out, 'dns')}`);

    const writes = [...out.matchAll(/^write:(.*):(ok|refused)$/gm)];
    const leaked = await access(path.join(secretDir, '.airlock-probe')).then(
      () => true,
      () => false,
    );
    check(
      'root read-only',
      writes.length === 4 && writes.every((w) => w[2] === 'refused') && !leaked,
      writes.map((w) => `${w[1]} ${w[2]}`).join(', ') + (leaked ? '; a file appeared on the host' : ''),
    );
    check('scratch writable', line(out, 'scratch') === 'writable', `probe: ${line(out, 'scratch')}`);
    check('host files hidden', !out.includes(secret) && line(out, 'secret') === 'unreadable', `probe: ${line(out, 'secret')}`);

    const env = names(line(out, 'env'));
    const initEnv = names(line(out, 'init-env'));
    check('environment cleared', env.every((n) => ALLOWED_ENV.has(n)) && initEnv.every((n) => n === 'PATH'), `env: ${env.join(' ')}; /proc/1/environ: ${initEnv.join(' ')}`);
    const pids = Number(line(out, 'pids'));
    check('own pid namespace', pids > 0 && pids < 10, `${pids} processes visible`);

    // Mode 2 is a filter; where no syscall table exists for the architecture, none is expected.
    const seccomp = line(out, 'seccomp');
    check(
      'seccomp filter',
      sandbox.capabilities.seccomp ? seccomp === '2' : true,
      `Seccomp: ${seccomp || 'unknown'}${sandbox.capabilities.seccomp ? '' : ' (no filter for this architecture)'}`,
    );
    check('scratch in memory', line(out, 'scratch-fs') === 'tmpfs', `/scratch is ${line(out, 'scratch-fs') || 'not mounted'}`);
    const left = await sandbox.leftovers();
    check('nothing left behind', left.scratchDirs.length === 0 && left.cgroups.length === 0, JSON.stringify(left));
  } catch (error) {
    check('runs', false, error instanceof Error ? error.message : String(error));
  } finally {
    await new Promise((resolve) => listener.close(resolve));
    await rm(secretDir, { recursive: true, force: true });
  }
  return { ok: checks.every((c) => c.ok), checks, durationMs: Math.round(performance.now() - started) };
}
