import { ApplicationFailure, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
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
  /**
   * What the database recorded of the request that made `actionId`, or undefined when no action
   * has that id (the REST handlers read it: recorded-request.ts). Temporal's REJECT_DUPLICATE holds
   * only while Temporal keeps the first workflow: past the namespace's retention the id is free, and
   * the same key would start a second workflow for an action that is over (other arguments answered
   * with the first one's outcome, a gate-only one retrying its write for ever). With this, a key whose
   * action is recorded never starts a workflow. Without it (the Temporal-direct SDK, which has no
   * database), Temporal's memory is the only check.
   */
  recordedRequest?: (actionId: string) => Promise<RecordedRequest | undefined>;
}

/** What the database keeps of an admitted action's request: enough to tell a repeat from another request. */
export interface RecordedRequest {
  tool: string;
  /** The hash of the arguments as requested (an approver's edit changes the action row's, not this one). */
  argsHash: string;
  requestedBy: string | null;
  /** How it runs, where the record shows it (an authorization, a run in the worker); undefined before either. */
  execution?: 'agent' | 'worker';
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
  const repeat: SubmittedAction = { actionId, workflowId, argsHash: input.argsHash, created: false };
  // One primary-key read; a new key finds nothing and starts its workflow as before.
  const recorded = await options.recordedRequest?.(actionId);
  if (recorded) {
    // Admitted once: its workflow id is never started again, whether Temporal still keeps the workflow or not.
    refuseOtherThanRecorded(request, input.argsHash, actionId, recorded);
    // While it does, its memo also says how the action runs and its report window, which the record may not.
    const memo = await memoOf(client, workflowId);
    if (memo) refuseOtherRequest(request, input.argsHash, actionId, memo);
    return repeat;
  }
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
      // requestedBy is '' when the request names nobody (a null is dropped from the memo, and an absent one is not
      // compared: a workflow started before it was kept has none).
      memo: {
        tool: request.tool,
        argsHash: input.argsHash,
        agentId: request.agentId,
        requestedBy: request.requestedBy ?? NOBODY,
        ...(agentRun ? { execution: 'agent', reportWithinMs: reportWindowMs(request) } : {}),
      },
    });
    return { ...repeat, created: true };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const { memo } = await client.workflow.getHandle(workflowId).describe();
    refuseOtherRequest(request, input.argsHash, actionId, memo ?? {});
    return repeat;
  }
}

/** The memo's requestedBy of a request that names nobody: no identifier is empty. */
const NOBODY = '';

/** The first workflow's memo, or undefined once Temporal no longer knows it (retention). */
async function memoOf(client: Client, workflowId: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).memo ?? {};
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** Throws IdempotencyConflictError unless `request` is the one the first workflow's memo describes. */
function refuseOtherRequest(request: ActionRequest, argsHash: string, actionId: string, memo: Record<string, unknown>): void {
  if (memo.argsHash !== argsHash || memo.tool !== request.tool) {
    throw new IdempotencyConflictError(`idempotency key "${request.idempotencyKey}" was already used by action ${actionId} with a different tool or arguments`);
  }
  if ((memo.execution ?? 'worker') !== (request.execution ?? 'worker')) throw otherExecution(request, actionId);
  // Who the action is for decides who may not approve it: another person under the same key is not the same action.
  if ('requestedBy' in memo) refuseOtherRequester(request, actionId, memo.requestedBy === NOBODY ? null : memo.requestedBy);
  // How long the authorization stays usable is part of what was asked (gate-only actions started before it was kept have none).
  if ('reportWithinMs' in memo && memo.reportWithinMs !== reportWindowMs(request)) {
    throw new IdempotencyConflictError(
      `idempotency key "${request.idempotencyKey}" was already used by action ${actionId} with a different reportWithinMs (${String(memo.reportWithinMs)}; this request asks ${reportWindowMs(request)})`,
    );
  }
}

/**
 * The same against the database's record, all there is once Temporal has forgotten the workflow. The report window
 * is not recorded, and how the action runs only once it was authorized or run: a request the record cannot tell
 * apart is taken as the repeat (it gets the recorded action, never a second one).
 */
function refuseOtherThanRecorded(request: ActionRequest, argsHash: string, actionId: string, recorded: RecordedRequest): void {
  if (recorded.argsHash !== argsHash || recorded.tool !== request.tool) {
    throw new IdempotencyConflictError(`idempotency key "${request.idempotencyKey}" was already used by action ${actionId} with a different tool or arguments`);
  }
  if (recorded.execution !== undefined && recorded.execution !== (request.execution ?? 'worker')) throw otherExecution(request, actionId);
  refuseOtherRequester(request, actionId, recorded.requestedBy);
}

function otherExecution(request: ActionRequest, actionId: string): IdempotencyConflictError {
  return new IdempotencyConflictError(`idempotency key "${request.idempotencyKey}" was already used by action ${actionId} with another execution (worker or agent)`);
}

function refuseOtherRequester(request: ActionRequest, actionId: string, first: unknown): void {
  if ((first ?? null) === (request.requestedBy ?? null)) return;
  const named = (who: unknown) => (typeof who === 'string' ? `"${who}"` : 'nobody');
  throw new IdempotencyConflictError(
    `idempotency key "${request.idempotencyKey}" was already used by action ${actionId} with a different requestedBy (${named(first)}; this request names ${named(request.requestedBy)})`,
  );
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
