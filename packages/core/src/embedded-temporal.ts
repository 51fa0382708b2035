import { z } from 'zod';
import { launcherRecord } from './launcher-record.js';

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

// The SQLite file on the server's command line: a reused pid running something else does not count.
const record = launcherRecord(EMBEDDED_TEMPORAL_RECORD, EmbeddedTemporalRecord, (r, commandLine) => commandLine.includes(r.dbFile));

/** Records a ready dev server; written aside and renamed, so a reader never sees half of it. */
export const recordEmbeddedTemporal = (dataDir: string, server: EmbeddedTemporalRecord): Promise<void> => record.write(dataDir, server);

export const forgetEmbeddedTemporal = (dataDir: string): Promise<void> => record.remove(dataDir);

/**
 * The embedded Temporal dev server `npm start` runs for `dataDir`, from the launcher's record:
 * undefined when there is none, it cannot be read, or the process it names is gone or is no
 * longer that server.
 */
export const runningEmbeddedTemporal = (dataDir: string): EmbeddedTemporalRecord | undefined => record.read(dataDir);
