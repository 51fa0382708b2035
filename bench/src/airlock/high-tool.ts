import { defineTool, type ToolDefinition } from '@airlock/activities';
import { echoSpec } from '@airlock/core';
import type { StartProbe } from '../start-probe.js';

/** Needs one approver under the benchmark policy (see policy.ts). */
export const HIGH_TOOL = 'bench.high_echo';

/** demo.echo's arguments; its body notes when it starts. */
export function highRiskEchoTool(probe: StartProbe): ToolDefinition {
  return defineTool({
    name: HIGH_TOOL,
    description: 'Echo that needs one approval (benchmark only).',
    args: echoSpec.args,
    execute: async ({ message }, { actionId }) => {
      probe.mark(actionId);
      return { message };
    },
  });
}
