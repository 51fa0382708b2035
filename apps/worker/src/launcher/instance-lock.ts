import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { commandLineOf, isProcessAlive } from '@airlock/core/spawn';

/**
 * <dataDir>/airlock.pid: one launcher per data directory (a second one would
 * fight over the ports and the PostgreSQL cluster), and the pid to signal for a
 * clean stop (`kill -INT $(cat .data/airlock.pid)`). A file left by a crash is
 * taken over once its process is gone.
 */
export async function claimDataDir(dataDir: string): Promise<{ pidFile: string; release(): Promise<void> }> {
  const pidFile = path.join(dataDir, 'airlock.pid');
  const holder = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(holder) && holder !== process.pid && isProcessAlive(holder) && commandLineOf(holder)?.includes('node')) {
    throw new Error(`another Airlock (pid ${holder}) is running with data directory ${dataDir}; stop it first (if it is not running, delete ${pidFile})`);
  }
  await writeFile(pidFile, `${process.pid}\n`);
  return {
    pidFile,
    async release() {
      const current = await readFile(pidFile, 'utf8').catch(() => '');
      if (Number.parseInt(current, 10) === process.pid) await rm(pidFile, { force: true });
    },
  };
}
