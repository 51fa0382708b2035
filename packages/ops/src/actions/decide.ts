import { ApprovalDecision, DecisionKind, FEEDBACK_ON_APPROVAL, inexactIntegerIn, ToolArgs, type DecideResult } from '@airlock/core';
import type { ActionWatch } from '@airlock/core/agent-gateway';
import { decideAction } from '@airlock/core/gateway';
import type { Db } from '@airlock/db';
import { CHANGED_REDACTED_VALUE, restoreRedacted } from '@airlock/guardrails';
import { shippedTools } from '@airlock/policy/shipped-tools';
import { WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { OpsError, fromZodError } from '../errors.js';
import type { Operator } from '../operator.js';
import { storedText } from '../stored-text.js';
import { requireRole } from '../use-case.js';
import { refuseLostStanding } from './decider-now.js';
import { DecisionWatch, awaitDecisionWritten } from './decision-written.js';
import { explainRefusal } from './round-closed.js';

/** How long a decision waits for a worker to confirm it, unless the caller says otherwise. */
export const DEFAULT_DECISION_WAIT_MS = 20_000;

export const DecideInput = z
  .strictObject({
    // A NUL or a lone surrogate in the id was a 500 from PostgreSQL, or a 503 "try again" from Temporal's gRPC.
    actionId: storedText(200),
    decision: DecisionKind,
    /** Binds the decision to the exact arguments the approver saw. */
    argsHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64-hex argsHash of the action'),
    // The decision's own bounds (no NUL, no lone surrogate): refused here naming the field, not later by the gateway.
    comment: ApprovalDecision.shape.comment,
    feedback: ApprovalDecision.shape.feedback,
    editedArgs: ToolArgs.optional(),
  })
  .refine((d) => !(d.editedArgs && d.decision !== 'approve'), { path: ['editedArgs'], message: 'only an approval can edit the arguments' })
  .refine((d) => !(d.feedback && d.decision !== 'deny'), { path: ['feedback'], message: FEEDBACK_ON_APPROVAL })
  .superRefine(refineExactEditedIntegers);

/**
 * An edit's integers beyond 2^53 - 1, which JSON parsing rounded (`9007199254740993` reads as …992): refused naming
 * the field, as a new request's are (inexactIntegerIn), or the tool would run with a value no approver sent.
 */
function refineExactEditedIntegers(d: { editedArgs?: Record<string, unknown> | undefined }, ctx: z.RefinementCtx): void {
  const problem = d.editedArgs && inexactIntegerIn({ args: d.editedArgs });
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: ['editedArgs', ...problem.path.slice(1)] });
}

export interface DecisionDeps {
  db: Db;
  /** Must use the workers' data converter (payload encryption). */
  temporal: Client;
  waitMs?: number;
  /** Wakes the wait for an approval to be stored when its audit row commits (the console's audit feed); without one it reads every few ms. */
  watch?: ActionWatch;
  /**
   * false: answer as soon as Temporal accepts the decision, without waiting for the run to store it.
   * For a channel that shows nothing read from the database on success (Slack's message follows the audit rows).
   */
  awaitStored?: boolean;
}

/**
 * A person approves (possibly with edited arguments) or denies an action, from
 * any channel (approver). The workflow is the authority on who may decide
 * (separation of duties, quorum, args hash) and writes the audit row with the
 * decision, so this never writes one itself; its refusals come back as
 * DecisionRejectedError (one that lost a race says who closed the round, and how). Edits that break the tool's schema are refused here
 * naming the field (`editedArgs.amount`). With no worker an update would wait
 * indefinitely, so the wait is bounded (`unavailable`).
 */
export async function decide(deps: DecisionDeps, operator: Operator, raw: unknown): Promise<DecideResult> {
  await requireRole(deps, operator, 'approver', 'action.decide');
  if (!operator.userId) throw new OpsError('forbidden', 'a decision needs a person: name the approver (--by)');
  const parsed = DecideInput.safeParse(raw);
  if (!parsed.success) throw fromZodError(parsed.error);
  const { actionId, ...decision } = parsed.data;
  if (decision.editedArgs) {
    // Without a row the action is not admitted yet, so not awaiting a decision: the workflow says so.
    const action = await deps.db.prisma.action.findUnique({ where: { id: actionId }, select: { tool: true, args: true } });
    if (action) checkEditedArgs(action.tool, action.args, decision.editedArgs);
  }
  return sendDecision(deps, operator, actionId, decision);
}

/**
 * An approver's edit, checked before it is sent (an OpsError naming the field). It starts from
 * the stored, redacted arguments (`shownArgs`): a redacted value kept exactly as shown keeps
 * the value behind it (the workflow's review puts it back, so the tool's schema is not asked
 * about the placeholder), while a changed string that still holds one is refused.
 */
export function checkEditedArgs(tool: string, shownArgs: unknown, editedArgs: Record<string, unknown>): void {
  const { unresolved, restored } = restoreRedacted(editedArgs, shownArgs, undefined, 'editedArgs');
  if (unresolved.length > 0) {
    throw new OpsError(
      'invalid',
      unresolved.map((path) => `${path}: ${CHANGED_REDACTED_VALUE}`).join('; '),
      unresolved.map((path) => ({ path, message: CHANGED_REDACTED_VALUE })),
    );
  }
  // Every tool Airlock ships (the demo pack and the built-in shell.exec, http.request, sql.query, fs.write, fs.delete), as the
  // policy dry run knows them: a tools module's own tool is left to the workflow's review, which refuses an edit it breaks.
  const spec = shippedTools.get(tool);
  const checked = spec?.args.safeParse(editedArgs);
  if (!checked || checked.success) return;
  const kept = (path: string) => restored.some((at) => path === at || path.startsWith(`${at}.`));
  const issues = fromZodError(checked.error)
    .issues.map((i) => ({ path: i.path === '(root)' ? 'editedArgs' : `editedArgs.${i.path}`, message: i.message }))
    .filter((i) => !kept(i.path));
  if (issues.length > 0) throw new OpsError('invalid', `invalid edited arguments for ${tool}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/** What a channel's decision adds to the operator: everything but who decides and where. */
export type DecisionToSend = Omit<ApprovalDecision, 'approverId' | 'channel'>;

/**
 * Sends a checked decision to the workflow as the operator (who must be a
 * person), waiting at most `waitMs` for a worker to confirm it.
 */
export async function sendDecision(deps: DecisionDeps, operator: Operator, actionId: string, decision: DecisionToSend): Promise<DecideResult> {
  const waitMs = deps.waitMs ?? DEFAULT_DECISION_WAIT_MS;
  const untilMs = Date.now() + waitMs;
  // The workflow knows who could decide when the round opened; a right lost since is refused here.
  if (operator.userId) await refuseLostStanding(deps.db, actionId, operator.userId);
  const awaitStored = deps.awaitStored !== false && decision.decision === 'approve';
  // Started beside the update, so it is live before the run can write the decision.
  const watch = deps.watch && awaitStored ? new DecisionWatch(deps.watch, actionId) : undefined;
  try {
    const result = await deps.temporal.withDeadline(untilMs, () =>
      decideAction(deps.temporal, actionId, { ...decision, approverId: operator.userId, channel: operator.channel === 'cli' ? 'api' : operator.channel }),
    );
    // Only an approval that settled the round may still be on its way to the database.
    if (awaitStored && result.approvalStatus === 'approved' && operator.userId) await awaitDecisionWritten(deps.db, actionId, operator.userId, untilMs, watch);
    return result;
  } catch (error) {
    if (!(error instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw await explainRefusal(deps.db, actionId, operator.userId ?? '', error, untilMs);
    throw new OpsError(
      'unavailable',
      `no worker confirmed the decision within ${waitMs} ms; it may still be applied once a worker runs, so check the action before deciding again`,
    );
  } finally {
    watch?.close();
  }
}
