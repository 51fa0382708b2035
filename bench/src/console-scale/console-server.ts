import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cpuProfileArgs } from '../infra/cpu-profile.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const consoleDir = path.join(repoRoot, 'apps/console');
const nextBin = path.join(repoRoot, 'node_modules/next/dist/bin/next');

async function newestSource(): Promise<number> {
  let newest = 0;
  for (const dir of ['app', 'src']) {
    for (const entry of await readdir(path.join(consoleDir, dir), { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) newest = Math.max(newest, (await stat(path.join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  return newest;
}

/** `next build --webpack` unless `.next` is newer than every source file: the benchmark measures what is in the tree. */
export async function ensureConsoleBuilt(log: (line: string) => void): Promise<void> {
  const buildId = path.join(consoleDir, '.next/BUILD_ID');
  if (existsSync(buildId) && (await stat(buildId)).mtimeMs > (await newestSource())) return;
  log('building the console (next build --webpack)…');
  await promisify(execFile)(process.execPath, [nextBin, 'build', '--webpack'], {
    cwd: consoleDir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    maxBuffer: 32 * 1024 * 1024,
    timeout: 600_000,
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningConsole {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * `next start` (the production server) against the scratch database. The
 * pages the console-scale bench measures never call Temporal; its client
 * connects lazily, so an address nobody listens on is the default (`env` overrides it).
 */
export async function startConsole(databaseUrl: string, env: Record<string, string> = {}, dir = consoleDir): Promise<RunningConsole> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // BENCH_CONSOLE_CPU_PROF=DIR: a V8 CPU profile of the console's process, written when it exits.
  const child = spawn(process.execPath, [...cpuProfileArgs(process.env.BENCH_CONSOLE_CPU_PROF), nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      AUTH_SECRET: 'console-scale-bench-secret-0123456789abcdef',
      AIRLOCK_PUBLIC_URL: url,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited early:\n${output}`);
    const ready = await fetch(`${url}/sign-in`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
