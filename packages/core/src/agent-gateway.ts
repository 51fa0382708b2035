import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { ActionOutcome } from './action.js';
import { AgentReportBody, type AgentReport, type Authorization } from './agent-run.js';
import { reportUpdate } from './messages.js';
import { formatZodError } from './errors.js';
import { actionHandle, DecisionRejectedError, getActionStatus, InvalidRequestError } from './gateway.js';
import { argsHash as hashArgs } from './hashing.js';
import type { ActionPhase } from './status.js';

/**
 * Gate-only actions from the outside: where an authorization stands, and the
 * agent's report of its run. Node-only (`@airlock/core/agent-gateway`).
 */

export type AuthorizationState =
  | { state: 'authorized'; tool: string; authorization: Authorization }
  | { state: 'pending'; phase: ActionPhase }
  | { state: 'completed'; outcome: ActionOutcome; authorization?: Authorization };

/** Thrown when the action was never a gate-only one (it runs in the worker). */
export class NotAgentRunError extends Error {
  override name = 'NotAgentRunError';
}

export async function readAuthorization(client: Client, actionId: string): Promise<AuthorizationState> {
  const view = await getActionStatus(client, actionId);
  const authorization = view.authorization && withoutReportHash(view.authorization);
  if (view.outcome && view.phase === 'completed') return { state: 'completed', outcome: view.outcome, ...(authorization ? { authorization } : {}) };
  if (view.phase === 'awaiting_report' && authorization) return { state: 'authorized', tool: view.tool, authorization };
  return { state: 'pending', phase: view.phase };
}

/**
 * Polls the workflow until the action is authorized or over, or `waitMs` passes.
 * A query per interval: cheap, and it needs no handler that would keep the workflow open.
 */
export async function waitForAuthorization(client: Client, actionId: string, waitMs: number, signal?: AbortSignal): Promise<AuthorizationState> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const state = await readAuthorization(client, actionId);
    if (state.state !== 'pending' || Date.now() >= deadline || signal?.aborted) return state;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now()))));
  }
}

/** The agent's report; the same report twice returns the same outcome, another report or other arguments are refused. */
export async function reportAgentRun(client: Client, actionId: string, raw: unknown): Promise<ActionOutcome> {
  const parsed = AgentReportBody.safeParse(raw);
  if (!parsed.success) throw new InvalidRequestError(formatZodError(parsed.error));
  const body = parsed.data;
  const result = body.status === 'succeeded' ? { status: body.status, output: body.output ?? null } : { status: body.status, error: body.error };
  const report: AgentReport = { authorizationId: body.authorizationId, argsHash: hashArgs(body.args), reportHash: hashArgs(result), ...result };
  try {
    return await actionHandle(client, actionId).executeUpdate(reportUpdate, { args: [report] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      throw new DecisionRejectedError(cause instanceof Error ? cause.message : error.message);
    }
    if (!(error instanceof Error && /workflow execution already completed/i.test(error.message))) throw error;
  }
  // Closed already: a repeat of the report that closed it gets the same answer; anything else is refused.
  const view = await getActionStatus(client, actionId);
  if (!view.authorization) throw new NotAgentRunError(`action ${actionId} is not a gate-only action or ended before it was authorized`);
  if (view.authorization.authorizationId !== report.authorizationId) throw new DecisionRejectedError('unknown authorization id for this action');
  if (view.authorization.argsHash !== report.argsHash) throw new DecisionRejectedError('the report names other arguments than were approved');
  if (view.authorization.reportHash !== report.reportHash || !view.outcome) {
    throw new DecisionRejectedError(view.outcome?.status === 'expired' ? 'the authorization expired before the report' : 'the action was already closed with another result');
  }
  return view.outcome;
}

function withoutReportHash(authorization: Authorization & { reportHash?: string }): Authorization {
  const { reportHash: _reportHash, ...rest } = authorization;
  return rest;
}
