import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { CompensationResolution, formatZodError, roleAtLeast } from '@airlock/core';
import { appendAudit } from '@airlock/db';
import { redactText } from '@airlock/guardrails';
import type { ActivityDeps } from './deps.js';
import { heartbeatingWhile } from './heartbeats.js';
import { reached } from './kill-points.js';

export interface CompensateStepInput {
  actionId: string;
  /** 0-based step index in the plan. */
  step: number;
  tool: string;
  args: Record<string, unknown>;
  output: unknown;
  /** Increments each time a human asks for another try, so each try has its own audit rows. */
  round: number;
}

export function createCompensationActivities(deps: ActivityDeps) {
  const { db, tools } = deps;
  /** The undo itself, run while compensateStep heartbeats. */
  async function undoStep(input: CompensateStepInput, ctx: Context): Promise<{ status: 'compensated' | 'irreversible' }> {
    const { actionId, step } = input;
    const definition = tools.get(input.tool);
    const key = `${actionId}:compensation:${step}:${input.round}`;
    // Only a tool this worker has can say it has no compensation: a missing one fails the attempt below, so a worker
    // with the tool can take the retry, and a person is asked if none does (never recorded irreversible for good).
    if (definition && !definition.compensate) {
      reached(deps, 'compensation.before-write');
      await appendAudit(db, {
        eventKey: `${key}:skipped`,
        actionId,
        type: 'compensation.skipped',
        actor: 'system:executor',
        payload: { step, tool: input.tool, reason: 'the tool has no compensation' },
      });
      reached(deps, 'compensation.after-write');
      return { status: 'irreversible' };
    }
    try {
      if (!definition?.compensate) throw new Error(`tool "${input.tool}" is not registered on this worker`);
      const args = definition.args.parse(input.args);
      reached(deps, 'compensation.before-undo');
      await definition.compensate(args, input.output, {
        db,
        actionId,
        idempotencyKey: `${actionId}:step:${step}:compensate`,
        signal: ctx.cancellationSignal,
        heartbeat: (d) => ctx.heartbeat(d),
      });
    } catch (error) {
      // Redacted, as a run's error is (execution.ts): an undo's error quotes what it was given and met (a card, an address).
      const message = redactText(error instanceof Error ? error.message : String(error)).text;
      await appendAudit(db, {
        eventKey: `${key}:failed:${ctx.info.attempt}`,
        actionId,
        type: 'compensation.failed',
        actor: 'system:executor',
        payload: { step, tool: input.tool, attempt: ctx.info.attempt, error: message },
      });
      throw ApplicationFailure.retryable(`compensation of step ${step + 1} (${input.tool}) failed: ${message}`, 'CompensationFailed');
    }
    reached(deps, 'compensation.before-write');
    await appendAudit(db, { eventKey: `${key}:succeeded`, actionId, type: 'compensation.succeeded', actor: 'system:executor', payload: { step, tool: input.tool } });
    reached(deps, 'compensation.after-write');
    return { status: 'compensated' };
  }

  return {
    /**
     * Undoes one completed plan step; a step whose tool has no compensation is reported irreversible, one whose tool
     * this worker lacks fails (retried, then a person asked), like a failing compensation. Heartbeats the whole
     * time (the workflow's heartbeat timeout): a worker that dies mid-compensation has it retried elsewhere within
     * seconds, not after the whole start-to-close timeout.
     */
    async compensateStep(input: CompensateStepInput): Promise<{ status: 'compensated' | 'irreversible' }> {
      return heartbeatingWhile(() => undoStep(input, Context.current()));
    },

    /** A person's answer to a failing compensation; only approvers may give one. */
    async recordCompensationResolution(input: {
      actionId: string;
      resolution: CompensationResolution;
      /** The workflow's count of answers: keys the audit row so a retry writes it once. */
      sequence: number;
    }): Promise<{ ok: true } | { ok: false; reason: string }> {
      const { actionId, resolution } = input;
      // The workflow's validator and the edge refuse these first; a comment PostgreSQL cannot store would
      // otherwise fail this write on every retry and hold the update (and the plan) for ever.
      const valid = CompensationResolution.safeParse(resolution);
      if (!valid.success) return { ok: false, reason: formatZodError(valid.error) };
      const user = await db.prisma.user.findUnique({ where: { id: resolution.approverId }, select: { role: true } });
      if (!user || !roleAtLeast(user.role, 'approver')) return { ok: false, reason: `"${resolution.approverId}" is not an approver` };
      reached(deps, 'compensation.before-resolution');
      await appendAudit(db, {
        eventKey: `${actionId}:compensation.resolution:${input.sequence}`,
        actionId,
        type: 'compensation.resolution',
        actor: `user:${resolution.approverId}`,
        payload: { ...resolution },
      });
      reached(deps, 'compensation.after-resolution');
      return { ok: true };
    },
  };
}
