import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import type { Db } from '@airlock/db';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memory: string;
  node: string;
  temporal: string;
  postgres: string;
  /** 1-minute load average when the run started and when it ended: other work on the machine skews figures. */
  loadAverage: { start: number; end: number };
}

export const loadAverage1m = (): number => os.loadavg()[0] ?? Number.NaN;

async function cpuModel(): Promise<string> {
  const text = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  return /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
}

async function temporalVersion(cli: string | undefined): Promise<string> {
  if (!cli) return 'SDK-downloaded dev server';
  const { stdout } = await promisify(execFile)(cli, ['--version']).catch(() => ({ stdout: 'unknown' }));
  return stdout.trim();
}

export async function machineInfo(db: Db, cli: string | undefined, loadAtStart: number): Promise<MachineInfo> {
  const pg = await db.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return {
    cpus: os.availableParallelism(),
    cpuModel: await cpuModel(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    temporal: await temporalVersion(cli),
    postgres: `PostgreSQL ${pg.rows[0]?.v ?? '?'}`,
    loadAverage: { start: loadAtStart, end: loadAverage1m() },
  };
}
