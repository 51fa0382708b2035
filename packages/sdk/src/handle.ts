import type { ActionOutcome, ActionRequestInput, ActionStatusView, PlanStep } from '@airlock/core/portable';

/** A submitted action: poll it, wait for it, or cancel it. */
export interface ActionHandle {
  actionId: string;
  /** False when the idempotency key matched an earlier action: no second run happens. */
  created: boolean;
  status(): Promise<ActionStatusView>;
  result(): Promise<ActionOutcome>;
  cancel(): Promise<void>;
}

export type ToolCallOptions = Pick<ActionRequestInput, 'rationale' | 'idempotencyKey' | 'requestedBy'>;

export type PlanRequest = Omit<ActionRequestInput, 'tool' | 'args'> & { steps: PlanStep[] };

/** What both clients offer (REST with an agent key, Temporal-direct for trusted services): one surface, two transports. */
export interface AirlockClient {
  run(request: ActionRequestInput): Promise<ActionOutcome>;
  runPlan(request: PlanRequest): Promise<ActionOutcome>;
  start(request: ActionRequestInput): Promise<ActionHandle>;
  action(actionId: string): ActionHandle;
  tool<Args extends Record<string, unknown>>(agentId: string, tool: string): (args: Args, options: ToolCallOptions) => Promise<ActionOutcome>;
  close(): Promise<void>;
}
