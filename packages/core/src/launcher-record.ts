import { readFileSync, rmSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { commandLineOf, isProcessAlive } from './spawn.js';

// What `npm start` leaves in its data directory for other processes on the machine (the CLI
// above all) to find what it runs: one small JSON file per thing, naming the process that owns it.

/** A record of a process `npm start` runs, in `<dataDir>/<file>`. */
export interface LauncherRecord<T extends { pid: number }> {
  /** Written aside and renamed, so a reader never sees half of it. */
  write(dataDir: string, record: T): Promise<void>;
  remove(dataDir: string): Promise<void>;
  /** The synchronous removal, for a forced exit. */
  removeNow(dataDir: string): void;
  /**
   * The record, if the process it names still runs it: undefined when there is none, it cannot be read,
   * the pid is gone, or the pid's command line shows it now runs something else (`runs`). Where /proc
   * cannot be read (another OS, hidepid), a live pid is all there is to go on.
   */
  read(dataDir: string): T | undefined;
}

export function launcherRecord<T extends { pid: number }>(file: string, schema: z.ZodType<T>, runs: (record: T, commandLine: string) => boolean): LauncherRecord<T> {
  const at = (dataDir: string) => path.join(path.resolve(dataDir), file);
  return {
    async write(dataDir, record) {
      const target = at(dataDir);
      const staging = `${target}.${process.pid}.tmp`;
      await writeFile(staging, `${JSON.stringify(schema.parse(record))}\n`);
      await rename(staging, target);
    },
    remove: (dataDir) => rm(at(dataDir), { force: true }),
    removeNow: (dataDir) => rmSync(at(dataDir), { force: true }),
    read(dataDir) {
      let record: T;
      try {
        const parsed = schema.safeParse(JSON.parse(readFileSync(at(dataDir), 'utf8')));
        if (!parsed.success) return undefined;
        record = parsed.data;
      } catch {
        return undefined;
      }
      if (!isProcessAlive(record.pid)) return undefined;
      const commandLine = commandLineOf(record.pid);
      return commandLine === undefined || runs(record, commandLine) ? record : undefined;
    },
  };
}
