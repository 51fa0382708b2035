import type { Db } from '@airlock/db';
import {
  createToolRegistry as createRegistry,
  defineTool as define,
  type ToolContext as Context,
  type ToolDefinition as Definition,
  type ToolRegistry as Registry,
} from '@airlock/tools';
import type { z } from 'zod';

// The tool contract as the activities run it: every tool gets the worker's database handle
// (the demo refund writes the ledger through it; a user's pack may too).
export type ToolContext = Context<Db>;
export type ToolDefinition<Args extends z.ZodType = z.ZodType> = Definition<Args, Db>;
export type ToolRegistry = Registry<Db>;
export const defineTool: <Args extends z.ZodType>(definition: ToolDefinition<Args>) => ToolDefinition<Args> = define;
export const createToolRegistry: (definitions: readonly ToolDefinition[]) => ToolRegistry = createRegistry;
