import type { ToolSpec } from '@airlock/core';
import type { z } from 'zod';

/**
 * What a tool's execute and compensate receive. `Db`: the worker's database handle, which the
 * activities that run tools bind to @airlock/db's (this package stays below the database).
 */
export interface ToolContext<Db = unknown> {
  db: Db;
  actionId: string;
  /** Stable across retries, replays and worker crashes: tools key their side effects on it. */
  idempotencyKey: string;
  signal: AbortSignal;
  heartbeat: (details?: unknown) => void;
}

/** A tool: its pure spec (schema, risk) plus the side effects, kept side by side. */
export interface ToolDefinition<Args extends z.ZodType = z.ZodType, Db = unknown> extends ToolSpec<Args> {
  execute(args: z.infer<Args>, ctx: ToolContext<Db>): Promise<unknown>;
  /** Undoes a completed execute, given its output; used when a later step fails. */
  compensate?(args: z.infer<Args>, output: unknown, ctx: ToolContext<Db>): Promise<void>;
}

export function defineTool<Args extends z.ZodType, Db = unknown>(definition: ToolDefinition<Args, Db>): ToolDefinition<Args, Db> {
  return definition;
}

export interface ToolRegistry<Db = unknown> {
  get(name: string): ToolDefinition<z.ZodType, Db> | undefined;
  specs(): ToolSpec[];
}

export function createToolRegistry<Db = unknown>(definitions: readonly ToolDefinition<z.ZodType, Db>[]): ToolRegistry<Db> {
  const byName = new Map<string, ToolDefinition<z.ZodType, Db>>();
  for (const d of definitions) {
    if (byName.has(d.name)) throw new Error(`tool ${d.name} is defined twice`);
    byName.set(d.name, d);
  }
  return { get: (name) => byName.get(name), specs: () => [...byName.values()] };
}
