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

/**
 * What the REST client (`Airlock.connect({ url, apiKey })`) submits: the API key decides
 * which agent acts, so `agentId` may be left out. Given, it is sent and the server refuses
 * it (403) unless it is the key's agent. Gate-only fields (`execution`, `reportWithinMs`)
 * belong to `authorize`.
 */
export type AgentActionRequest = Omit<ActionRequestInput, 'agentId' | 'execution' | 'reportWithinMs'> & { agentId?: string };

/** A plan as the REST client submits it: `agentId` optional, as in `AgentActionRequest`. */
export type AgentPlanRequest = Omit<AgentActionRequest, 'tool' | 'args'> & { steps: PlanStep[] };

/** One tool wrapped for an agent framework: call it with the model's arguments and the call's options. */
export type ToolFunction<Args extends Record<string, unknown>> = (args: Args, options: ToolCallOptions) => Promise<ActionOutcome>;

/**
 * What both clients offer (REST with an agent key, Temporal-direct for trusted services): one surface,
 * two transports. Code written against it names the agent, since the Temporal client needs it; the
 * REST client alone also takes requests without `agentId` (`AgentActionRequest`) and `tool(name)`.
 */
export interface AirlockClient {
  run(request: ActionRequestInput): Promise<ActionOutcome>;
  runPlan(request: PlanRequest): Promise<ActionOutcome>;
  start(request: ActionRequestInput): Promise<ActionHandle>;
  action(actionId: string): ActionHandle;
  tool<Args extends Record<string, unknown>>(agentId: string, tool: string): ToolFunction<Args>;
  close(): Promise<void>;
}
