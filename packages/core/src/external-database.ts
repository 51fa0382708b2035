import { readFileSync, rmSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isProcessAlive } from './spawn.js';

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

/** Records the launcher's external database; written aside and renamed, so a reader never sees half of it. */
export async function recordExternalDatabase(dataDir: string, record: ExternalDatabaseRecord): Promise<void> {
  const file = path.join(dataDir, EXTERNAL_DATABASE_RECORD);
  const staging = `${file}.${process.pid}.tmp`;
  await writeFile(staging, `${JSON.stringify(ExternalDatabaseRecord.parse(record))}\n`);
  await rename(staging, file);
}

export async function forgetExternalDatabase(dataDir: string): Promise<void> {
  await rm(path.join(dataDir, EXTERNAL_DATABASE_RECORD), { force: true });
}

/** The forced exit's synchronous removal. */
export function forgetExternalDatabaseNow(dataDir: string): void {
  rmSync(path.join(dataDir, EXTERNAL_DATABASE_RECORD), { force: true });
}

/**
 * The external database an `npm start` running for `dataDir` uses, from the launcher's record:
 * undefined when there is none, it cannot be read, or the launcher it names is gone (or its pid now runs something else).
 */
export function runningExternalDatabase(dataDir: string): ExternalDatabaseRecord | undefined {
  let record: ExternalDatabaseRecord;
  try {
    const parsed = ExternalDatabaseRecord.safeParse(JSON.parse(readFileSync(path.join(path.resolve(dataDir), EXTERNAL_DATABASE_RECORD), 'utf8')));
    if (!parsed.success) return undefined;
    record = parsed.data;
  } catch {
    return undefined;
  }
  if (!isProcessAlive(record.pid)) return undefined;
  // A reused pid running something else does not count; where /proc cannot be read, a live pid is all there is.
  const commandLine = commandLineOf(record.pid);
  return commandLine === undefined || commandLine.includes('node') ? record : undefined;
}

function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}
