import { PLAN_TOOL, type ActionOutcome, type ActionRequestInput } from '@airlock/core/portable';
import type { ActionHandle, AirlockClient, PlanRequest, ToolCallOptions } from './handle.js';

/** What both clients build on `start`: the transport differs, waiting for the outcome, plans and tool wrappers do not. */
export abstract class ActionClient implements AirlockClient {
  abstract start(request: ActionRequestInput): Promise<ActionHandle>;
  abstract action(actionId: string): ActionHandle;
  abstract close(): Promise<void>;

  /** Submits and waits for the outcome: executed, denied (with feedback for the model), expired, failed or cancelled. */
  async run(request: ActionRequestInput): Promise<ActionOutcome> {
    return (await this.start(request)).result();
  }

  /**
   * Submits a multi-step plan: approvers see every step and its rollback, one
   * approval covers it, and a failing step rolls back the completed ones in reverse.
   */
  async runPlan(request: PlanRequest): Promise<ActionOutcome> {
    const { steps, ...rest } = request;
    return this.run({ ...rest, tool: PLAN_TOOL, args: { steps } });
  }

  /**
   * A typed wrapper for one tool, for handing to an agent framework:
   * `const refund = airlock.tool<RefundArgs>('billing-bot', 'payments.refund')`.
   */
  tool<Args extends Record<string, unknown>>(agentId: string, tool: string) {
    return (args: Args, options: ToolCallOptions): Promise<ActionOutcome> => this.run({ agentId, tool, args, ...options });
  }
}
