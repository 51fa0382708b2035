import { z } from 'zod';
import { launcherRecord } from './launcher-record.js';

// `npm start` with DATABASE_URL set: the CLI run in another shell without it finds no embedded
// PostgreSQL, yet Airlock is running. The launcher records which database it uses, without the
// password (the URL may hold a secret; the file is a plain file in the data directory), so the
// CLI can say so and what to set. Node-only (`@airlock/core/external-database`).

/** `<dataDir>/database.json`: written when the launcher starts on an external database, removed when it stops. */
export const EXTERNAL_DATABASE_RECORD = 'database.json';

const ExternalDatabaseRecord = z.object({
  /** The launcher's pid: a record whose launcher is gone (a crash, a SIGKILL) is stale. */
  pid: z.number().int().positive(),
  /** The URL with no password in it: `postgresql://airlock@db.example.com:5432/airlock`. */
  url: z.string().min(1),
  host: z.string(),
  port: z.number().int().positive(),
  database: z.string(),
});
export type ExternalDatabaseRecord = z.infer<typeof ExternalDatabaseRecord>;

/** Query parameters libpq and Prisma read as secrets: never written down with the rest. */
const SECRET_PARAMETERS = new Set(['password', 'sslpassword']);

/** What may be written down of a database URL: everything but its password; undefined when it is not a URL. */
export function externalDatabaseOf(url: string, pid: number): ExternalDatabaseRecord | undefined {
  const parsed = URL.parse(url);
  if (!parsed) return undefined;
  parsed.password = '';
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAMETERS.has(name.toLowerCase())) parsed.searchParams.delete(name);
  const port = Number.parseInt(parsed.port || '5432', 10);
  return { pid, url: parsed.toString(), host: parsed.hostname, port, database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) };
}

// A reused pid running something else than Node (the launcher) does not count.
const record = launcherRecord(EXTERNAL_DATABASE_RECORD, ExternalDatabaseRecord, (_, commandLine) => commandLine.includes('node'));

/** Records the launcher's external database; written aside and renamed, so a reader never sees half of it. */
export const recordExternalDatabase = (dataDir: string, database: ExternalDatabaseRecord): Promise<void> => record.write(dataDir, database);

export const forgetExternalDatabase = (dataDir: string): Promise<void> => record.remove(dataDir);

/** The forced exit's synchronous removal. */
export const forgetExternalDatabaseNow = (dataDir: string): void => record.removeNow(dataDir);

/**
 * The external database an `npm start` running for `dataDir` uses, from the launcher's record:
 * undefined when there is none, it cannot be read, or the launcher it names is gone (or its pid now runs something else).
 */
export const runningExternalDatabase = (dataDir: string): ExternalDatabaseRecord | undefined => record.read(dataDir);
