import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isProcessAlive } from './spawn.js';

// `npm start`'s embedded Temporal dev server, as other processes on the machine find it: the
// launcher records where it listens once it accepts connections, and the CLI reads the record
// when TEMPORAL_ADDRESS is unset. Node-only (`@airlock/core/embedded-temporal`).

/** `<dataDir>/temporal.json`: written when the dev server is ready, removed when it stops. */
export const EMBEDDED_TEMPORAL_RECORD = 'temporal.json';

const EmbeddedTemporalRecord = z.object({
  /** The dev server's own pid: a record whose process is gone (a crash, a SIGKILL) is stale. */
  pid: z.number().int().positive(),
  address: z.string().min(1),
  namespace: z.string().min(1),
  /** The SQLite file on the server's command line: a reused pid running something else does not count. */
  dbFile: z.string().min(1),
});
export type EmbeddedTemporalRecord = z.infer<typeof EmbeddedTemporalRecord>;

/** Records a ready dev server; written aside and renamed, so a reader never sees half of it. */
export async function recordEmbeddedTemporal(dataDir: string, record: EmbeddedTemporalRecord): Promise<void> {
  const file = path.join(dataDir, EMBEDDED_TEMPORAL_RECORD);
  const staging = `${file}.${process.pid}.tmp`;
  await writeFile(staging, `${JSON.stringify(record)}\n`);
  await rename(staging, file);
}

export async function forgetEmbeddedTemporal(dataDir: string): Promise<void> {
  await rm(path.join(dataDir, EMBEDDED_TEMPORAL_RECORD), { force: true });
}

/**
 * The embedded Temporal dev server `npm start` runs for `dataDir`, from the launcher's record:
 * undefined when there is none, it cannot be read, or the process it names is gone or is no
 * longer that server.
 */
export function runningEmbeddedTemporal(dataDir: string): EmbeddedTemporalRecord | undefined {
  let record: EmbeddedTemporalRecord;
  try {
    const parsed = EmbeddedTemporalRecord.safeParse(JSON.parse(readFileSync(path.join(path.resolve(dataDir), EMBEDDED_TEMPORAL_RECORD), 'utf8')));
    if (!parsed.success) return undefined;
    record = parsed.data;
  } catch {
    return undefined;
  }
  if (!isProcessAlive(record.pid)) return undefined;
  const commandLine = commandLineOf(record.pid);
  // Where /proc cannot be read (another OS, hidepid), a live pid is all there is to go on.
  if (commandLine !== undefined && !commandLine.includes(record.dbFile)) return undefined;
  return record;
}

function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}
