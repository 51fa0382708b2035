import type { ToolSpec } from '@airlock/core';
import type { z } from 'zod';
import type { Db } from '@airlock/db';

export interface ToolContext {
  db: Db;
  actionId: string;
  /** Stable across retries, replays and worker crashes: tools key their side effects on it. */
  idempotencyKey: string;
  signal: AbortSignal;
  heartbeat: (details?: unknown) => void;
}

/** A tool: its pure spec (schema, risk) plus the side effects, kept side by side. */
export interface ToolDefinition<Args extends z.ZodType = z.ZodType> extends ToolSpec<Args> {
  execute(args: z.infer<Args>, ctx: ToolContext): Promise<unknown>;
  /** Undoes a completed execute, given its output; used when a later step fails. */
  compensate?(args: z.infer<Args>, output: unknown, ctx: ToolContext): Promise<void>;
}

export function defineTool<Args extends z.ZodType>(definition: ToolDefinition<Args>): ToolDefinition<Args> {
  return definition;
}

export interface ToolRegistry {
  get(name: string): ToolDefinition | undefined;
  specs(): ToolSpec[];
}

export function createToolRegistry(definitions: readonly ToolDefinition[]): ToolRegistry {
  const byName = new Map<string, ToolDefinition>();
  for (const d of definitions) {
    if (byName.has(d.name)) throw new Error(`tool ${d.name} is defined twice`);
    byName.set(d.name, d);
  }
  return { get: (name) => byName.get(name), specs: () => [...byName.values()] };
}
