import { access } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { z } from 'zod';
import { defineTool, type ToolDefinition } from './define.js';

const TOOL_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** What a pack's default export may be a function of: so a pack needs no dependencies of its own. */
export interface ToolsModuleKit {
  z: typeof z;
  defineTool: typeof defineTool;
}

/** A pack that cannot be used: the worker must not start with it. */
export class ToolsModuleError extends Error {
  override name = 'ToolsModuleError';
}

/**
 * Loads a user's own tool pack (`AIRLOCK_TOOLS_MODULE`): a TypeScript (through
 * tsx) or JavaScript module whose default export, or `tools` export, is an array
 * of `defineTool` definitions, or a function of `{ z, defineTool }` returning one
 * (possibly async). Every tool is checked before any is used; a problem throws a
 * ToolsModuleError naming the module and the tool. `taken`: names already
 * registered (built-in and demo tools), which a pack may not redefine.
 */
export async function loadToolsModule(file: string, taken: Iterable<string> = []): Promise<ToolDefinition[]> {
  const absolute = path.resolve(file);
  const fail = (message: string, cause?: unknown): never => {
    throw new ToolsModuleError(`AIRLOCK_TOOLS_MODULE ${absolute}: ${message}`, cause === undefined ? undefined : { cause });
  };
  await access(absolute).catch((error: unknown) => fail('no such file', error));

  let loaded: Record<string, unknown>;
  try {
    loaded = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    return fail(`cannot be loaded: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  // A CommonJS module arrives as { default: module.exports }.
  const namespace = loaded.default && typeof loaded.default === 'object' && !Array.isArray(loaded.default) ? (loaded.default as Record<string, unknown>) : undefined;
  let exported = loaded.tools ?? namespace?.tools ?? (namespace ? namespace.default : loaded.default);
  if (typeof exported === 'function') {
    try {
      exported = await (exported as (kit: ToolsModuleKit) => unknown)({ z, defineTool });
    } catch (error) {
      return fail(`its default export threw: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }
  if (!Array.isArray(exported)) return fail('export an array of tools (default or `tools`), or a function of { z, defineTool } returning one');

  const names = new Set(taken);
  const tools: ToolDefinition[] = [];
  for (const [index, candidate] of (exported as unknown[]).entries()) {
    const label = (candidate as { name?: unknown } | null)?.name;
    const which = typeof label === 'string' ? `tool "${label}"` : `tool #${index + 1}`;
    const problem = checkTool(candidate);
    if (problem) fail(`${which}: ${problem}`);
    const tool = candidate as ToolDefinition;
    if (names.has(tool.name)) fail(`${which}: the name is already taken by another tool`);
    names.add(tool.name);
    tools.push(tool);
  }
  return tools;
}

function checkTool(candidate: unknown): string | undefined {
  if (candidate === null || typeof candidate !== 'object') return 'not an object (use defineTool({ name, description, args, execute }))';
  const tool = candidate as Record<string, unknown>;
  if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name) || tool.name.length > 128) return 'name must be a dotted lower-case name, e.g. crm.create_ticket';
  if (typeof tool.description !== 'string' || tool.description.length === 0) return 'description must be a non-empty string';
  const args = tool.args as { parse?: unknown; safeParse?: unknown } | null | undefined;
  if (!args || typeof args.parse !== 'function' || typeof args.safeParse !== 'function') return 'args must be a zod schema';
  if (typeof tool.execute !== 'function') return 'execute must be a function';
  if (tool.compensate !== undefined && typeof tool.compensate !== 'function') return 'compensate must be a function when given';
  // Only that it is a function: what it answers depends on the arguments, and is checked at each admission (activities/src/cost.ts).
  if (tool.cost !== undefined && typeof tool.cost !== 'function') return 'cost must be a function when given';
  return undefined;
}
