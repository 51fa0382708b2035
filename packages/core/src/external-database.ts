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
  /** The URL with a placeholder for its password: `postgresql://airlock:<password>@db.example.com:5432/airlock` (shownDatabaseUrl). */
  url: z.string().min(1),
  host: z.string(),
  port: z.number().int().positive(),
  database: z.string(),
});
export type ExternalDatabaseRecord = z.infer<typeof ExternalDatabaseRecord>;

/** Query parameters libpq and Prisma read as secrets: never written down with the rest. */
const SECRET_PARAMETERS = new Set(['password', 'sslpassword']);

/** What may be written down of a database URL: everything but its secrets; undefined when it is not a URL. */
export function externalDatabaseOf(url: string, pid: number): ExternalDatabaseRecord | undefined {
  const redacted = withoutSecrets(url);
  if (!redacted) return undefined;
  const { parsed } = redacted;
  const port = Number.parseInt(parsed.port || '5432', 10);
  return { pid, url: withPlaceholders(url, redacted), host: parsed.hostname, port, database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) };
}

/**
 * A database URL as a person may be shown it, to copy into DATABASE_URL: each secret replaced by a
 * placeholder saying what goes there (`postgresql://airlock:<password>@db.example.com:5432/airlock`,
 * `...?sslmode=require&sslpassword=<sslpassword>`); a URL without secrets as it is. Undefined when
 * it is not a URL (a `host=db password=x` connection string), as nothing of it can be shown safely.
 */
export function shownDatabaseUrl(url: string): string | undefined {
  const redacted = withoutSecrets(url);
  return redacted && withPlaceholders(url, redacted);
}

interface Redacted {
  /** The URL without its password and secret parameters. */
  parsed: URL;
  password: boolean;
  /** The secret parameters it had, as it named them. */
  parameters: string[];
}

function withPlaceholders(url: string, { parsed, password, parameters }: Redacted): string {
  if (!password && parameters.length === 0) return url;
  // Built from the parts: the URL serializer would percent-encode the placeholders' angle brackets.
  const userinfo = parsed.username || password ? `${parsed.username}${password ? ':<password>' : ''}@` : '';
  const placeholders = parameters.map((name) => `${name}=<${name.toLowerCase()}>`);
  const query = [parsed.search.replace(/^\?/, ''), ...placeholders].filter(Boolean).join('&');
  return `${parsed.protocol}//${userinfo}${parsed.host}${parsed.pathname}${query ? `?${query}` : ''}${parsed.hash}`;
}

/** The URL with its password and secret parameters taken out, and which of them it had. */
function withoutSecrets(url: string): Redacted | undefined {
  const parsed = URL.parse(url);
  if (!parsed) return undefined;
  const password = parsed.password !== '';
  parsed.password = '';
  const parameters = [...new Set(parsed.searchParams.keys())].filter((name) => SECRET_PARAMETERS.has(name.toLowerCase()));
  for (const name of parameters) parsed.searchParams.delete(name);
  return { parsed, password, parameters };
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
