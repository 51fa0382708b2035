import { defineTool } from '@airlock/activities';
import { z } from 'zod';

/**
 * `demo.stubborn`: a reversible tool whose compensation fails until a person fixes the world
 * (`undoWorks = true`), for plans whose rollback must wait for someone. `undone` lists what it undid.
 */
export function stubbornTool() {
  const state = { undoWorks: false, undone: [] as string[] };
  const tool = defineTool({
    name: 'demo.stubborn',
    description: 'test tool: compensation fails until undoWorks',
    args: z.object({ id: z.string() }).strict(),
    execute: async ({ id }) => ({ id }),
    compensate: async ({ id }) => {
      if (!state.undoWorks) throw new Error(`cannot undo ${id} yet`);
      state.undone.push(id);
    },
  });
  return { tool, state };
}
