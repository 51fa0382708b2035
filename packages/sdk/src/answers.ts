import { ActionOutcome, type ActionStatusView } from '@airlock/core/portable';
import { z } from 'zod';
import { AirlockApiError } from './rest-transport.js';

// What each REST call answers, as this SDK reads it. Every call is checked against one of these
// (`RestTransport.call` takes no answer unchecked): a console of another version, or a server that is
// not Airlock, fails where it answers, naming the server and the call, not later where a field is
// missing. Loose, so fields a newer console adds (`links`, `argsHash`) pass through.

/** POST /api/v1/actions and POST /api/v1/authorizations. */
export const SubmittedAnswer = z.looseObject({ actionId: z.string().min(1), created: z.boolean() });

/** GET /api/v1/actions/:id/outcome: 200 with the outcome, 202 pending after the long poll. */
export const OutcomeAnswer = z.discriminatedUnion('status', [ActionOutcome, z.looseObject({ status: z.literal('pending'), actionId: z.string() })]);

/**
 * A read of one action (its authorization, its outcome) answered about another action (a cache or proxy that mixed
 * answers up, a misrouted call) is refused as `bad_response`, never taken: an `authorized` answer would have the
 * agent run another action's arguments, an outcome would tell the model how another action ended. Not transient:
 * the same call would be answered the same way, so a wait does not ask again.
 */
export function refuseOtherAction(answer: { actionId: string; status: string }, actionId: string, httpStatus: number, path: string, method: 'GET' | 'POST' = 'GET'): void {
  if (answer.actionId === actionId) return;
  throw new AirlockApiError(
    httpStatus,
    'bad_response',
    `${method} ${path} answered about action ${JSON.stringify(answer.actionId)}, not ${JSON.stringify(actionId)}: the answer (${answer.status}) is not for this action and was not used`,
  );
}

/** GET /api/v1/actions/:id/status: the fields every phase has; the rest (classification, approval, …) as sent. */
export const ActionStatusAnswer = z.looseObject({
  actionId: z.string(),
  agentId: z.string(),
  tool: z.string(),
  argsHash: z.string(),
  phase: z.string(),
  // Typed as the view the server builds; its nested detail is passed on as sent, not checked field by field.
}) as unknown as z.ZodType<ActionStatusView>;

/** Where a gate-only action stands. `authorized` carries the arguments to run with (an approver may have edited them). */
export type AuthorizationState =
  | {
      status: 'authorized';
      actionId: string;
      tool: string;
      authorizationId: string;
      args: Record<string, unknown>;
      argsHash: string;
      expiresAt: string;
      /** Set once a runner claimed the run (`claimRun`): another runner may be running it. */
      claimedAt?: string;
    }
  | { status: 'pending'; actionId: string; phase: string }
  | ActionOutcome;

/** GET /api/v1/actions/:id/authorization: the arguments the agent runs with come from here. */
export const AuthorizationStateAnswer: z.ZodType<AuthorizationState> = z.discriminatedUnion('status', [
  z.looseObject({
    status: z.literal('authorized'),
    actionId: z.string(),
    tool: z.string(),
    authorizationId: z.string(),
    args: z.record(z.string(), z.unknown()),
    argsHash: z.string(),
    expiresAt: z.string(),
    claimedAt: z.string().optional(),
  }),
  z.looseObject({ status: z.literal('pending'), actionId: z.string(), phase: z.string() }),
  ActionOutcome,
]);

/** POST /api/v1/actions/:id/report: the outcome the report made (the same report twice, the same outcome). */
export const ReportAnswer = ActionOutcome;

/** POST /api/v1/actions/:id/claim: the run is this runner's. */
export interface RunClaimed {
  status: 'claimed';
  actionId: string;
  authorizationId: string;
  runnerId: string;
  claimedAt: string;
}

export const RunClaimAnswer: z.ZodType<RunClaimed> = z.looseObject({
  status: z.literal('claimed'),
  actionId: z.string(),
  authorizationId: z.string(),
  runnerId: z.string(),
  claimedAt: z.string(),
});

/** POST /api/v1/actions/:id/cancel. */
export const CancelAnswer = z.looseObject({ actionId: z.string(), cancelRequested: z.literal(true) });

/** The agent an API key belongs to (`me()`), as the Python client's `AgentSelf`. */
export interface AgentSelf {
  id: string;
  team: string;
  /** Tool names or globs (`payments.*`) the agent may request; others are denied. */
  allowedTools: string[];
}

/** GET /api/v1/agents/me. */
export const AgentSelfAnswer: z.ZodType<AgentSelf> = z.looseObject({ id: z.string(), team: z.string(), allowedTools: z.array(z.string()) });
