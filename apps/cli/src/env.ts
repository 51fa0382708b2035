import { keyringEnv } from '@airlock/codec';
import { describeZodIssues } from '@airlock/core';
import { consoleEnv, dbEnv, EnvError, runtimeEnv, temporalEnv } from '@airlock/core/env';
import { mcpGatewayEnv } from '@airlock/mcp-gateway/env';
import type { z } from 'zod';

/** Database-only commands (agents, keys, users, budgets, Slack links, grants); policy commands work offline. */
export function loadDbEnv() {
  return parseCliEnv(dbEnv.required({ DATABASE_URL: true }), ['DATABASE_URL']);
}

/** Commands that also talk to Temporal (kill switch, decisions): with the workers' payload keys, or neither side reads the other. */
export function loadOpsEnv() {
  return parseCliEnv(dbEnv.required({ DATABASE_URL: true }).extend(temporalEnv.shape).extend(keyringEnv.shape).required({ TEMPORAL_ADDRESS: true }), [
    'DATABASE_URL',
    'TEMPORAL_ADDRESS',
  ]);
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
  DATABASE_URL: () =>
    `point it at Airlock's database (npm start prints it as "database"; the embedded one is postgresql://airlock:airlock@localhost:${embeddedPort('AIRLOCK_EMBEDDED_PG_PORT')}/airlock)`,
  TEMPORAL_ADDRESS: () => `point it at Airlock's Temporal (npm start prints it as "Temporal gRPC"; the embedded one is 127.0.0.1:${embeddedPort('AIRLOCK_TEMPORAL_PORT')})`,
};

/** The port `npm start` gives an embedded server: its variable when set here too, else the default. */
function embeddedPort(name: 'AIRLOCK_EMBEDDED_PG_PORT' | 'AIRLOCK_TEMPORAL_PORT'): number {
  const port = runtimeEnv.shape[name].safeParse(process.env[name]);
  return port.success ? port.data : runtimeEnv.shape[name].parse(undefined);
}

/**
 * Parses process.env with `schema`. A variable in `needed` that is unset (or empty) gets a line of
 * its own saying so and what to set it to; any other problem keeps the schema's message.
 */
function parseCliEnv<S extends z.ZodType>(schema: S, needed: readonly Needed[]): z.infer<S> {
  const result = schema.safeParse(process.env);
  if (result.success) return result.data;
  const unset = needed.filter((name) => !process.env[name]?.trim());
  const others = describeZodIssues(result.error).filter((issue) => !(unset as string[]).includes(issue.path));
  const lines = unset.map((name) => `${name} is not set: ${WHAT_TO_SET[name]()}`);
  if (others.length > 0) lines.push(`invalid configuration: ${others.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  throw new EnvError(lines.join('\n'));
}
