import path from 'node:path';
import { describeZodIssues } from '@airlock/core/errors';
import { consoleEnv, dbEnv, EnvError, runtimeEnv } from '@airlock/core/env';
import { runningEmbeddedTemporal, type EmbeddedTemporalRecord } from '@airlock/core/embedded-temporal';
import { runningExternalDatabase } from '@airlock/core/external-database';
import { runningEmbeddedPostgres } from '@airlock/db/embedded';
import { mcpGatewayEnv } from '@airlock/mcp-gateway/env';
import type { z } from 'zod';

/** Database-only commands (agents, keys, users, budgets, Slack links, grants); policy commands work offline. */
export function loadDbEnv() {
  return parseCliEnv(dbEnv.required({ DATABASE_URL: true }), ['DATABASE_URL']);
}

/** Account commands touch only the database; the public URL, when set, is printed as where to sign in. */
export function loadAccountsEnv() {
  return parseCliEnv(dbEnv.required({ DATABASE_URL: true }).extend({ AIRLOCK_PUBLIC_URL: consoleEnv.shape.AIRLOCK_PUBLIC_URL }), ['DATABASE_URL']);
}

/** The MCP gateway and coding-agent hooks: where Airlock is and the agent's key (they never touch the database). */
export function loadMcpEnv() {
  return parseCliEnv(mcpGatewayEnv, []);
}

type Needed = 'DATABASE_URL' | 'TEMPORAL_ADDRESS';

/** What to set a variable the command needs to: `npm start` runs both servers embedded unless told otherwise. */
const WHAT_TO_SET: Record<Needed, () => string> = {
  DATABASE_URL: () => {
    const external = runningExternalDatabase(embeddedDataDir());
    // Airlock is running, on a database only DATABASE_URL names: the record holds a placeholder for the password, so the CLI cannot use it by itself.
    if (external) {
      return `npm start is running (pid ${external.pid}, data directory ${embeddedDataDir()}) with an external database, ${external.host}:${external.port}/${external.database}: set DATABASE_URL to that database's URL, as npm start has it (${external.url})`;
    }
    return `no embedded database of npm start is running for data directory ${embeddedDataDir()}: start Airlock with npm start (the CLI then uses its database), or point DATABASE_URL at Airlock's database (the embedded one is postgresql://airlock:airlock@localhost:${embeddedPort('AIRLOCK_EMBEDDED_PG_PORT')}/airlock)`;
  },
  TEMPORAL_ADDRESS: () =>
    `no embedded Temporal of npm start is running for data directory ${embeddedDataDir()}: start Airlock with npm start (the CLI then uses its Temporal), or point TEMPORAL_ADDRESS at Airlock's Temporal (npm start prints it as "Temporal gRPC"; the embedded one is 127.0.0.1:${embeddedPort('AIRLOCK_TEMPORAL_PORT')})`,
};

/** The port `npm start` gives an embedded server: its variable when set here too, else the default (the launcher parses the same schema). */
function embeddedPort(name: 'AIRLOCK_EMBEDDED_PG_PORT' | 'AIRLOCK_TEMPORAL_PORT'): number {
  const port = runtimeEnv.shape[name].safeParse(process.env[name]);
  return port.success ? port.data : runtimeEnv.shape[name].parse(undefined);
}

/** The data directory `npm start` uses, resolved as the launcher resolves it (npm runs both from the repository root). */
function embeddedDataDir(): string {
  const dir = runtimeEnv.shape.AIRLOCK_DATA_DIR.safeParse(process.env.AIRLOCK_DATA_DIR);
  return path.resolve(dir.success ? dir.data : runtimeEnv.shape.AIRLOCK_DATA_DIR.parse(undefined));
}

let embeddedUrl: string | null | undefined;

/**
 * DATABASE_URL unset: the embedded database `npm start` runs for the same data directory, when
 * one is running, at the port it really listens on (found from the server, not this shell's
 * settings). Said once on stderr, without the password.
 */
function embeddedDatabaseUrl(): string | undefined {
  if (embeddedUrl === undefined) {
    const dataDir = embeddedDataDir();
    const running = runningEmbeddedPostgres(dataDir);
    embeddedUrl = running?.url ?? null;
    if (running) process.stderr.write(`airlock: DATABASE_URL is not set: using the embedded database npm start runs (localhost:${running.port}, data directory ${dataDir})\n`);
  }
  return embeddedUrl ?? undefined;
}

let embeddedTemporalFound: EmbeddedTemporalRecord | null | undefined;

/**
 * TEMPORAL_ADDRESS unset: the embedded Temporal dev server `npm start` runs for the same data
 * directory, from the record the launcher writes once it is ready (a record whose server is gone
 * does not count). Said once on stderr.
 */
function embeddedTemporal(): EmbeddedTemporalRecord | undefined {
  if (embeddedTemporalFound === undefined) {
    const dataDir = embeddedDataDir();
    const running = runningEmbeddedTemporal(dataDir);
    embeddedTemporalFound = running ?? null;
    if (running) {
      process.stderr.write(
        `airlock: TEMPORAL_ADDRESS is not set: using the embedded Temporal npm start runs (${running.address}, namespace ${running.namespace}, data directory ${dataDir})\n`,
      );
    }
  }
  return embeddedTemporalFound ?? undefined;
}

/**
 * Parses process.env with `schema`. A variable set to nothing (`AIRLOCK_PUBLIC_URL=`, as env files
 * and `export X=` leave them) counts as unset. A variable in `needed` that is unset gets a line of
 * its own saying so and what to set it to; any other problem keeps the schema's message.
 */
export function parseCliEnv<S extends z.ZodType>(schema: S, needed: readonly Needed[]): z.infer<S> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value?.trim()));
  if (needed.includes('DATABASE_URL') && !env.DATABASE_URL?.trim()) env.DATABASE_URL = embeddedDatabaseUrl();
  if (needed.includes('TEMPORAL_ADDRESS') && !env.TEMPORAL_ADDRESS?.trim()) {
    const running = embeddedTemporal();
    // The namespace npm start created, unless this shell names one.
    if (running) Object.assign(env, { TEMPORAL_ADDRESS: running.address, TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE ?? running.namespace });
  }
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const unset = needed.filter((name) => !env[name]?.trim());
  const others = describeZodIssues(result.error).filter((issue) => !(unset as string[]).includes(issue.path));
  const lines = unset.map((name) => `${name} is not set: ${WHAT_TO_SET[name]()}`);
  if (others.length > 0) lines.push(`invalid configuration: ${others.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  throw new EnvError(lines.join('\n'));
}
