import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ToolDefinition } from '@airlock/activities';
import { builtinTools } from '@airlock/tools';
import type { Sandbox, SandboxResult } from '@airlock/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, withAdmin } from '../support/database.js';
import { callTool, countingListener, findTool, marker, processesMatching, shellOutput, testSandbox } from './support.js';

// Every case runs a hostile payload through shell.exec and checks the host from outside.
let sandbox: Sandbox;
let shell: ToolDefinition;
const secretDir = path.join(os.tmpdir(), marker('redteam-secrets'));
const secretValue = marker('secret-value');
const secretFile = path.join(secretDir, 'secret.txt');
const envSecret = marker('env-secret');

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function sh(script: string, options: { timeoutMs?: number; stdin?: string } = {}): Promise<SandboxResult> {
  return (await callTool(shell, { script, timeoutMs: options.timeoutMs ?? 20_000, ...(options.stdin ? { stdin: options.stdin } : {}) })) as SandboxResult;
}

beforeAll(async () => {
  sandbox = await testSandbox();
  expect(sandbox.capabilities.available, sandbox.capabilities.reason).toBe(true);
  shell = findTool(
    builtinTools({ shell: { allowScript: true, limits: { memoryBytes: 128 * 1024 * 1024, pids: 64, maxOutputBytes: 64 * 1024, maxFileBytes: 1024 * 1024 } } }, { sandbox }),
    'shell.exec',
  );
  await mkdir(secretDir, { recursive: true });
  // World-readable on purpose: only the sandbox's mount namespace may hide it.
  await writeFile(secretFile, secretValue, { mode: 0o644 });
  process.env.AIRLOCK_REDTEAM_SECRET = envSecret;
});

afterAll(async () => {
  delete process.env.AIRLOCK_REDTEAM_SECRET;
  await rm(secretDir, { recursive: true, force: true });
  // Nothing of any run may outlive it.
  expect(await sandbox.leftovers()).toEqual({ scratchDirs: [], cgroups: [] });
});

const databaseExists = (name: string) => withAdmin(adminUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
const externalIPv4 = () =>
  Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('red team: network', () => {
  it('cannot reach a loopback listener on the host (bash /dev/tcp and node)', async () => {
    const listener = await countingListener('127.0.0.1');
    try {
      const result = await sh(
        `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${listener.port}' && echo BASH-CONNECTED
         node -e "require('net').connect(${listener.port}, '127.0.0.1').on('connect', () => console.log('NODE-CONNECTED')).on('error', (e) => console.log('node', e.code))"`,
      );
      expect(result.stdout).not.toMatch(/CONNECTED/);
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it("cannot reach the host's own external address", async () => {
    const address = externalIPv4() ?? '127.0.0.1';
    const listener = await countingListener('0.0.0.0');
    try {
      const result = await sh(`bash -c 'exec 3<>/dev/tcp/${address}/${listener.port}' && echo CONNECTED; cat /proc/net/route | wc -l`);
      expect(result.stdout).not.toContain('CONNECTED');
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it("cannot reach PostgreSQL's TCP port 5432 (a database it tries to create never appears)", async () => {
    const name = marker('redteam_tcp').replaceAll('-', '_');
    // Control: the same command from the host works, so the probe would succeed if the sandbox leaked.
    const control = `${name}_control`;
    await shellOutput('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-c', `CREATE DATABASE ${control}`]);
    expect(await databaseExists(control)).toBe(true);
    await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE ${control}`));

    const result = await sh(`psql -h 127.0.0.1 -p 5432 -U postgres -c 'CREATE DATABASE ${name}'; echo "exit $?"`);
    expect(result.stderr).toMatch(/Connection refused|could not connect/);
    expect(await databaseExists(name)).toBe(false);
  });

  it("cannot reach PostgreSQL's unix socket in /var/run/postgresql", async () => {
    const name = marker('redteam_unix').replaceAll('-', '_');
    const result = await sh(`ls -la /var/run/postgresql; psql -h /var/run/postgresql -U postgres -c 'CREATE DATABASE ${name}'; echo "exit $?"`);
    expect(result.stdout).toContain('exit 2');
    expect(await databaseExists(name)).toBe(false);
  });

  it('cannot resolve names: DNS fails and there is no resolver configuration', async () => {
    const result = await sh(
      `getent hosts example.com || echo getent-failed
       node -e "require('dns').lookup('example.com', (e, a) => console.log(e ? 'lookup-failed ' + e.code : 'RESOLVED ' + a))"
       cat /etc/resolv.conf 2>/dev/null || echo no-resolv-conf
       tail -n +3 /proc/net/dev | cut -d: -f1`,
    );
    expect(result.stdout).toContain('getent-failed');
    expect(result.stdout).toContain('lookup-failed');
    expect(result.stdout).toContain('no-resolv-conf');
    expect(result.stdout).not.toContain('RESOLVED');
    // Its network namespace has only a loopback device of its own.
    expect(result.stdout.trim().split('\n').slice(-1)[0]?.trim()).toBe('lo');
  });
});

describe('red team: secrets', () => {
  it("cannot see the worker's environment, in its own env or any /proc/*/environ", async () => {
    expect(process.env.AIRLOCK_REDTEAM_SECRET).toBe(envSecret);
    const result = await sh('env; cat /proc/self/environ /proc/1/environ; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; done; echo done');
    expect(result.stdout).toContain('done');
    expect(result.stdout + result.stderr).not.toContain(envSecret);
    expect(result.stdout).not.toContain('AIRLOCK_REDTEAM_SECRET');
  });

  it('cannot read a world-readable secret file outside scratch, nor the project tree', async () => {
    const result = await sh(`cat '${secretFile}'; ls '${secretDir}' /work /root /home; cat /etc/shadow /etc/passwd; ls /tmp; echo done`);
    expect(result.stdout).toContain('done');
    expect(result.stdout + result.stderr).not.toContain(secretValue);
    expect(result.stderr).toContain('No such file or directory');
  });

  it("cannot see or signal the worker's processes (own PID namespace)", async () => {
    const result = await sh(`ls /proc/${process.pid}/environ; kill -9 ${process.pid} && echo KILLED; kill -9 -1; ls /proc | grep -c '^[0-9]'`);
    expect(result.stdout).not.toContain('KILLED');
    // The test runs on: the worker survived `kill -9 -1` from inside.
    expect(Number(result.stdout.trim().split('\n').at(-1))).toBeLessThan(10);
  });
});

describe('red team: filesystem', () => {
  it('cannot write outside scratch: nothing appears on the host', async () => {
    const name = marker('written');
    const targets = ['/usr', '/etc', '/', '/dev', secretDir, '/work/main', '/var/tmp'].map((d) => path.join(d, name));
    const result = await sh(
      `for p in ${targets.map((t) => `'${t}'`).join(' ')} /proc/sys/kernel/hostname; do echo x > "$p" && echo "WROTE $p"; done; echo x > /tmp/${name} && echo tmp-ok; echo x > /scratch/${name} && echo scratch-ok`,
    );
    expect(result.stdout).not.toContain('WROTE');
    expect(result.stdout).toContain('scratch-ok');
    for (const target of [...targets, path.join(os.tmpdir(), name)]) expect(await exists(target), target).toBe(false);
    expect((await readFile('/proc/sys/kernel/hostname', 'utf8')).trim()).not.toBe('x');
  });

  it('cannot escape through symlinks made in scratch', async () => {
    const passwdBefore = createHash('sha256')
      .update(await readFile('/etc/passwd'))
      .digest('hex');
    const result = await sh(
      `ln -s '${secretDir}' out; echo pwned > out/pwned && echo WROTE-DIR
       ln -s /etc/passwd passwd; echo 'evil:x:0:0::/:/bin/sh' >> passwd && echo WROTE-PASSWD
       ln -s '${secretFile}' secret; cat secret
       ln -s /proc/1/root root1; ls root1/work 2>&1; echo x > root1/etc/pwned && echo WROTE-ROOT`,
    );
    expect(result.stdout).not.toMatch(/WROTE/);
    expect(result.stdout).not.toContain(secretValue);
    expect(await exists(path.join(secretDir, 'pwned'))).toBe(false);
    expect(
      createHash('sha256')
        .update(await readFile('/etc/passwd'))
        .digest('hex'),
    ).toBe(passwdBefore);
  });

  it('cannot escape with .. from scratch', async () => {
    const name = marker('dotdot');
    const result = await sh(`cd /scratch/../../../..; pwd; echo x > ${name} && echo WROTE; cat ../../../..${secretFile}; echo x > ../../../../tmp/${name}`);
    expect(result.stdout).not.toContain('WROTE');
    expect(result.stdout).not.toContain(secretValue);
    expect(await exists(path.join('/', name))).toBe(false);
    expect(await exists(path.join(os.tmpdir(), name))).toBe(false);
  });

  it('cannot fill the disk: one file is capped at maxFileBytes', async () => {
    const result = await sh('head -c 50000000 /dev/zero > big; echo "exit $?"; wc -c < big');
    expect(Number(result.stdout.trim().split('\n').at(-1))).toBeLessThanOrEqual(1024 * 1024);
  });

  it('cannot create nested user namespaces to regain privileges', async () => {
    const result = await sh('unshare -r id && echo UNSHARED; id -u');
    expect(result.stdout).not.toContain('UNSHARED');
    expect(result.stdout.trim()).not.toBe('0');
  });
});

describe('red team: resources', () => {
  it('a fork bomb is contained by the pids limit, killed, and leaves no process', async () => {
    const name = marker('forkbomb');
    const result = await sh(`cp /bin/sh ./${name}; ./${name} -c 'f(){ f|f& }; f'; while :; do :; done`, { timeoutMs: 3_000 });
    // Killed at the deadline, or earlier when its "Cannot fork" errors fill the output cap.
    expect(['timeout', 'output']).toContain(result.killedBy);
    expect(result.stderr).toMatch(/fork/i);
    expect(await processesMatching(name)).toEqual([]);
    // The host still forks.
    expect((await shellOutput('echo', ['host-ok'])).trim()).toBe('host-ok');
  });

  it('a memory bomb is killed at the memory limit', async () => {
    const result = await sh('tail /dev/zero');
    expect(result.killedBy).toBe('memory');
    expect(result.exitCode === 137 || result.signal === 'SIGKILL').toBe(true);
  });

  it('a busy loop is killed at the deadline', async () => {
    const result = await sh('while :; do :; done', { timeoutMs: 1_000 });
    expect(result).toMatchObject({ killedBy: 'timeout', timedOut: true, exitCode: null, signal: 'SIGKILL' });
    expect(result.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(result.durationMs).toBeLessThan(15_000);
  });

  it('an output flood is cut at the cap and the run killed', async () => {
    const result = await sh('yes airlock-flood & yes airlock-flood >&2; wait');
    expect(result).toMatchObject({ truncated: true, killedBy: 'output' });
    expect(Buffer.byteLength(result.stdout) <= 64 * 1024 && Buffer.byteLength(result.stderr) <= 64 * 1024).toBe(true);
    expect(Math.max(Buffer.byteLength(result.stdout), Buffer.byteLength(result.stderr))).toBe(64 * 1024);
  });

  it('background, setsid and nohup processes do not outlive the run', async () => {
    const name = marker('orphan');
    const result = await sh(
      `cp /usr/bin/sleep ./${name}
       (./${name} 600 &)
       setsid ./${name} 601 &
       nohup ./${name} 602 > /dev/null 2>&1 &
       echo started`,
    );
    expect(result).toMatchObject({ exitCode: 0, killedBy: null });
    expect(result.stdout).toContain('started');
    expect(await processesMatching(name)).toEqual([]);
  });

  it('daemons started before a timeout are gone after it', async () => {
    const name = marker('daemon');
    const result = await sh(`cp /usr/bin/sleep ./${name}; (setsid sh -c './${name} 700 & ./${name} 701 &' &); sleep 600`, { timeoutMs: 1_500 });
    expect(result.killedBy).toBe('timeout');
    expect(await processesMatching(name)).toEqual([]);
  });
});
