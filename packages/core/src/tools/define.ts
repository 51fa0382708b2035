import type { z } from 'zod';

/**
 * The pure half of a tool: its name, argument schema and cost estimate. Safe
 * everywhere (REST validation, workflows); risk comes from the policy files and
 * the executor lives in `activities/`.
 */
export interface ToolSpec<Args extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  args: Args;
  /** What a run is expected to cost, for budget reservations; absent = free. */
  cost?: (args: z.infer<Args>) => { amount: string; currency: string } | null;
}

export function defineToolSpec<Args extends z.ZodType>(spec: ToolSpec<Args>): ToolSpec<Args> {
  return spec;
}

/**
 * The longest any tool run may be allowed to take (shell.exec's timeout, the sandbox's and the tools config's
 * caps). A tool runs inside the executor activity, whose start-to-close timeout is 5 minutes
 * (workflows/src/activities.ts) and whose retries are unlimited: past TOOL_RUN_STOP_MS (20 s more) the executor stops
 * any run and fails it for good, so a built-in tool's own timeout, within this, is what a slow run meets (its kill and
 * its `killedBy: 'timeout'`). The rest of the 5 minutes is for admission, recording and a slow worker.
 * packages/tools/src/builtin/run-limit.unit.test.ts holds it under the executor's timeout.
 */
export const TOOL_RUN_MAX_MS = 4 * 60_000;

/**
 * How long one attempt of a tool's `execute` may go on before the executor stops it and fails the run for good
 * (activities/src/run-limit.ts). The built-in tools bound themselves under TOOL_RUN_MAX_MS; a tool pack's or an app's
 * own tool need not, and past the executor's timeout its attempt would be retried and the tool run again, for ever.
 * The 20 s past TOOL_RUN_MAX_MS let a built-in tool's own timeout (a sandbox's kill) speak first; the 40 s left of the
 * 5 minutes are for admission before the run and the recording after it.
 */
export const TOOL_RUN_STOP_MS = TOOL_RUN_MAX_MS + 20_000;

/** The failure type of a run stopped at TOOL_RUN_STOP_MS (names.ts, which workflow code reads). */
export { TOOL_OVERRAN_FAILURE } from '../names.js';

/** The message a duration over TOOL_RUN_MAX_MS is refused with; zod puts the setting's path before it. */
export const TOOL_RUN_MAX_MESSAGE = `at most ${TOOL_RUN_MAX_MS} ms (4 minutes): the executor stops any tool run 20 s later and fails it, to end inside its 5-minute activity timeout`;
