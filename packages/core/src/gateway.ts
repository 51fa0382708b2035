import { ApplicationFailure, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import { DecisionRejectedError, IdempotencyConflictError, InvalidRequestError, type RoundSettlement } from './client-errors.js';
import { ActionRequest, inexactIntegerIn, type ActionOutcome, type GuardedActionInput } from './action.js';
import { AGENT_RUN_WORKFLOW } from './agent-run.js';
import { ApprovalDecision, type DecideResult } from './decision.js';
import { ADMISSION_WINDOW_MS, decisionHandlerComing, isUpdateBeforeHandler } from './decision-before-handler.js';
import { DECISION_CLOSED_FAILURE, DEFAULT_REPORT_WINDOW_MS } from './names.js';
import { formatZodError } from './errors.js';
import { argsHash as hashArgs, deriveActionId } from './hashing.js';
import { GUARDED_ACTION_WORKFLOW, decideUpdate, statusQuery, workflowIdForAction } from './messages.js';
import type { ActionStatusView } from './status.js';

/**
 * The one way into Airlock for every channel (SDK, REST, console, Slack): it
 * validates, derives the action id from (agent, idempotency key), and talks to
 * the action's workflow. Node-only (`@airlock/core/gateway`); never imported by workflows.
 */

export { InvalidRequestError, IdempotencyConflictError, DecisionRejectedError };

export interface SubmittedAction {
  actionId: string;
  workflowId: string;
  argsHash: string;
  /** False when the idempotency key matched an earlier action. */
  created: boolean;
}

export interface SubmitOptions {
  /**
   * Whether the policy will have people decide this request, as far as the caller can
   * tell (the REST handler asks the policy in force with the key's agent). True admits
   * the action inside its workflow's first task, which then waits for people at once;
   * wrong either way, it only costs time. Absent: admitted as if it would run.
   */
  expectsApproval?: (request: ActionRequest) => boolean;
}

/** `raw` is validated here (an `ActionRequestInput` when well-formed). */
export async function submitAction(client: Client, taskQueue: string, raw: unknown, options: SubmitOptions = {}): Promise<SubmittedAction> {
  const parsed = ActionRequest.safeParse(raw);
  if (!parsed.success) throw new InvalidRequestError(formatZodError(parsed.error));
  const request = parsed.data;
  const inexact = inexactIntegerIn(request);
  if (inexact) throw new InvalidRequestError(`${inexact.path.join('.')}: ${inexact.message}`);
  const actionId = deriveActionId(taskQueue, request.agentId, request.idempotencyKey);
  const workflowId = workflowIdForAction(actionId);
  const input: GuardedActionInput = { actionId, argsHash: hashArgs(request.args), request };
  if (options.expectsApproval?.(request)) input.expectsApproval = true;
  try {
    const agentRun = request.execution === 'agent';
    await client.workflow.start(agentRun ? AGENT_RUN_WORKFLOW : GUARDED_ACTION_WORKFLOW, {
      workflowId,
      taskQueue,
      args: [input],
      // An id is used once, ever: a repeated idempotency key can never start a second run.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Lets a repeated request be checked against the first without a worker (describe, not query).
      // requestedBy is null when the request names nobody; a workflow started before it was kept has none (not compared).
      memo: {
        tool: request.tool,
        argsHash: input.argsHash,
        agentId: request.agentId,
        requestedBy: request.requestedBy ?? null,
        ...(agentRun ? { execution: 'agent', reportWithinMs: reportWindowMs(request) } : {}),
      },
    });
    return { actionId, workflowId, argsHash: input.argsHash, created: true };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const { memo } = await client.workflow.getHandle(workflowId).describe();
    if (memo?.argsHash !== input.argsHash || memo.tool !== request.tool) {
      throw new IdempotencyConflictError(`idempotency key "${request.idempotencyKey}" was already used by action ${actionId} with a different tool or arguments`);
    }
    if ((memo.execution ?? 'worker') !== (request.execution ?? 'worker')) {
      throw new IdempotencyConflictError(`idempotency key "${request.idempotencyKey}" was already used by action ${actionId} with another execution (worker or agent)`);
    }
    // Who the action is for decides who may not approve it: another person under the same key is not the same action.
    if ('requestedBy' in memo && (memo.requestedBy ?? null) !== (request.requestedBy ?? null)) {
      const named = (who: unknown) => (typeof who === 'string' ? `"${who}"` : 'nobody');
      throw new IdempotencyConflictError(
        `idempotency key "${request.idempotencyKey}" was already used by action ${actionId} with a different requestedBy (${named(memo.requestedBy)}; this request names ${named(request.requestedBy)})`,
      );
    }
    // How long the authorization stays usable is part of what was asked (gate-only actions started before it was kept have none).
    if ('reportWithinMs' in memo && memo.reportWithinMs !== reportWindowMs(request)) {
      throw new IdempotencyConflictError(
        `idempotency key "${request.idempotencyKey}" was already used by action ${actionId} with a different reportWithinMs (${String(memo.reportWithinMs)}; this request asks ${reportWindowMs(request)})`,
      );
    }
    return { actionId, workflowId, argsHash: input.argsHash, created: false };
  }
}

/** A gate-only action's report window as the workflow applies it: absent means the default. */
function reportWindowMs(request: ActionRequest): number {
  return request.reportWithinMs ?? DEFAULT_REPORT_WINDOW_MS;
}

export function actionHandle(client: Client, actionId: string): WorkflowHandle {
  return client.workflow.getHandle(workflowIdForAction(actionId));
}

export async function getActionStatus(client: Client, actionId: string): Promise<ActionStatusView> {
  return actionHandle(client, actionId).query(statusQuery);
}

export async function awaitOutcome(client: Client, actionId: string): Promise<ActionOutcome> {
  return (await actionHandle(client, actionId).result()) as ActionOutcome;
}

/** Sends a decision; resolves once it is recorded, or throws DecisionRejectedError with the reason. */
export async function decideAction(client: Client, actionId: string, raw: unknown): Promise<DecideResult> {
  const parsed = ApprovalDecision.safeParse(raw);
  if (!parsed.success) throw new InvalidRequestError(formatZodError(parsed.error));
  const handle = actionHandle(client, actionId);
  const firstTryMs = Date.now();
  for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, 200)) {
    try {
      return await handle.executeUpdate(decideUpdate, { args: [parsed.data] });
    } catch (error) {
      // Round 1 is visible before the workflow can take decisions on it: see decision-before-handler.ts.
      if (!isUpdateBeforeHandler(error) || Date.now() - firstTryMs > ADMISSION_WINDOW_MS || !(await decisionHandlerComing(handle))) throw decisionError(error);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

const RoundSettlementDetail = z.object({ closure: z.enum(['approved', 'denied']), by: z.array(z.string()) });

/** The settlement a closed-round refusal carries (workers from before it carry none). */
function settlementIn(details: readonly unknown[] | undefined | null): RoundSettlement | undefined {
  const parsed = RoundSettlementDetail.safeParse(details?.[0]);
  return parsed.success ? parsed.data : undefined;
}

/** A failed decision as channels report it: a typed refusal where the workflow refused it. */
function decisionError(error: unknown): unknown {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    const closed = cause instanceof ApplicationFailure && cause.type === DECISION_CLOSED_FAILURE;
    return new DecisionRejectedError(cause instanceof Error ? cause.message : error.message, closed, closed ? settlementIn(cause.details) : undefined);
  }
  if (isClosedWorkflowError(error)) return new DecisionRejectedError('the action is no longer awaiting a decision', true);
  return error;
}

/**
 * Temporal's answer to an update on a workflow that has completed: sent after it closed ("workflow execution
 * already completed"), or sent while it was closing and never delivered ("workflow update was aborted by
 * closing workflow", as a concurrent decision gets when another one's run completes the action). Both are a
 * WorkflowNotFoundError, as is an id that names no workflow: only these messages say the workflow exists.
 */
export function isClosedWorkflowError(error: unknown): boolean {
  return error instanceof Error && /workflow execution already completed|workflow update was aborted by closing workflow/i.test(error.message);
}
