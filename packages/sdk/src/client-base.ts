import { ActionRequest, InvalidRequestError, PLAN_TOOL, PlanArgs, formatZodError, type ActionOutcome, type PlanStep } from '@airlock/core/portable';
import type { ActionHandle, AgentActionRequest, ToolCallOptions } from './handle.js';

// A tool wrapper's call options: strict, so a typo is refused and the options cannot replace the tool or its arguments.
const ToolCallOptionsSchema = ActionRequest.pick({ rationale: true, idempotencyKey: true, requestedBy: true }).strict();

/**
 * What both clients build on `start`: the transport differs, waiting for the outcome does not.
 * `Request` is what the client takes: `agentId` optional over REST (the key decides), required
 * Temporal-direct (nothing else names the agent there).
 */
export abstract class ActionClient<Request extends AgentActionRequest> {
  abstract start(request: Request): Promise<ActionHandle>;
  abstract action(actionId: string): ActionHandle;
  abstract close(): Promise<void>;

  /** Submits and waits for the outcome: executed, denied (with feedback for the model), expired, failed or cancelled. */
  async run(request: Request): Promise<ActionOutcome> {
    return (await this.start(request)).result();
  }
}

/** The error for a tool wrapper's call options that are not `ToolCallOptions` (`options.reasn: Unrecognized key`), if any. */
export function toolCallOptionsError(options: ToolCallOptions): InvalidRequestError | undefined {
  const parsed = ToolCallOptionsSchema.safeParse(options);
  return parsed.success ? undefined : new InvalidRequestError(formatZodError(parsed.error, 'options'));
}

/**
 * A plan's steps as the one action that runs them: the tool `airlock.plan`. Checked here (1 to 20
 * steps, each a tool and its args), so a malformed plan is bad input naming the step
 * (`steps.1.args: …`), as in the Python client, not an action the policy then denies.
 */
export function planAction(steps: PlanStep[]): { tool: string; args: PlanArgs } {
  const parsed = PlanArgs.safeParse({ steps });
  if (!parsed.success) throw new InvalidRequestError(formatZodError(parsed.error));
  return { tool: PLAN_TOOL, args: parsed.data };
}
