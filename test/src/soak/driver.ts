import { setTimeout as sleep } from 'node:timers/promises';
import { DecisionRejectedError, IdempotencyConflictError, InvalidRequestError, decideAction, submitAction } from '@airlock/core/gateway';
import type { Db } from '@airlock/db';
import type { Client } from '@temporalio/client';
import { errorText, retryThroughOutages, withTimeout } from './retry.js';
import { APPROVAL_ROUTES, type PlannedAction } from './workload.js';

export interface ActionRecord {
  planned: PlannedAction;
  actionId?: string;
  submitAttempts: number;
  submittedAt?: number;
  /** When the database first showed it in a terminal status. */
  endedAt?: number;
  decision?: { attempts: number; decidedAt?: number; lastError?: string };
}

/**
 * The REST handler's forecast under the soak's policy (refunds over 50.00 wait for people), and
 * wrong on purpose for every fifth other action: admitted in the first workflow task, run by runTool.
 */
function forecast(planned: PlannedAction): boolean {
  return APPROVAL_ROUTES.has(planned.route) || planned.index % 5 === 0;
}

export interface DriverDeps {
  client: Client;
  db: Db;
  taskQueue: string;
}

const TERMINAL = ['executed', 'denied', 'expired', 'failed', 'cancelled'];
/** A submit or decision that cannot get through for this long is reported, not retried forever. */
const GIVE_UP_MS = 180_000;
const DECIDE_CALL_MS = 60_000;

/**
 * Plays the agents and the approvers: submits every planned action (at most
 * `inFlight` unfinished at a time), and decides each open approval the way the
 * plan says once its delay has passed. Progress is read from the database, the
 * way the console's inbox sees it, so no call waits on a workflow that a
 * restart might strand.
 */
export class Driver {
  readonly records: ActionRecord[];
  private readonly byId = new Map<string, ActionRecord>();
  private readonly deciding = new Set<string>();
  private readonly openedAt = new Map<string, number>();
  private pollErrors = 0;

  constructor(
    private readonly deps: DriverDeps,
    plan: readonly PlannedAction[],
    private readonly inFlight: number,
  ) {
    this.records = plan.map((planned) => ({ planned, submitAttempts: 0 }));
  }

  get submitted(): number {
    return this.byId.size;
  }

  get ended(): number {
    return this.records.filter((r) => r.endedAt !== undefined).length;
  }

  /** Database polls that failed (PostgreSQL restarting): expected during the outage, shown in the summary. */
  get failedPolls(): number {
    return this.pollErrors;
  }

  /**
   * Resolves once every action has ended; throws at `deadlineAt`. `maySubmit(index)` holds
   * an action back until it says yes (the chaos plan keeps its restarts mid-run that way).
   */
  async run(deadlineAt: number, maySubmit: (index: number) => boolean = () => true): Promise<void> {
    let stopped = false;
    const loops = [this.watchEnds(() => stopped), this.decideApprovals(() => stopped)];
    try {
      for (const [index, record] of this.records.entries()) {
        while (this.submitted - this.ended >= this.inFlight || !maySubmit(index)) {
          if (Date.now() > deadlineAt) throw new Error(`only ${this.submitted} of ${this.records.length} actions submitted by the deadline`);
          await sleep(50);
        }
        await this.submit(record);
      }
      while (this.ended < this.records.length) {
        if (Date.now() > deadlineAt) throw new Error(`${this.records.length - this.ended} of ${this.records.length} actions had not ended by the deadline`);
        await sleep(200);
      }
    } finally {
      stopped = true;
      await Promise.all(loops);
    }
  }

  private async submit(record: ActionRecord): Promise<void> {
    const { value, attempts } = await retryThroughOutages(
      () => submitAction(this.deps.client, this.deps.taskQueue, record.planned.request, { expectsApproval: () => forecast(record.planned) }),
      (error) => error instanceof InvalidRequestError || error instanceof IdempotencyConflictError,
      GIVE_UP_MS,
    );
    record.actionId = value.actionId;
    record.submitAttempts = attempts;
    record.submittedAt = Date.now();
    this.byId.set(value.actionId, record);
  }

  private async watchEnds(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      const pending = [...this.byId.entries()].filter(([, r]) => r.endedAt === undefined).map(([id]) => id);
      if (pending.length > 0) {
        try {
          const { rows } = await this.deps.db.pool.query<{ id: string }>(`SELECT id FROM actions WHERE id = ANY($1::text[]) AND status::text = ANY($2::text[])`, [
            pending,
            TERMINAL,
          ]);
          const now = Date.now();
          for (const { id } of rows) this.byId.get(id)!.endedAt = now;
        } catch {
          this.pollErrors++;
        }
      }
      await sleep(500);
    }
  }

  private async decideApprovals(stopped: () => boolean): Promise<void> {
    const inProgress = new Set<Promise<void>>();
    while (!stopped()) {
      try {
        const { rows } = await this.deps.db.pool.query<{ action_id: string; args_hash: string }>(`SELECT action_id, args_hash FROM approvals WHERE status = 'open'`);
        const now = Date.now();
        for (const { action_id: actionId, args_hash: argsHash } of rows) {
          const record = this.byId.get(actionId);
          const plan = record?.planned.decision;
          if (!record || !plan || record.decision?.decidedAt !== undefined || this.deciding.has(actionId)) continue;
          const openedAt = this.openedAt.get(actionId) ?? now;
          this.openedAt.set(actionId, openedAt);
          if (now - openedAt < plan.afterMs) continue;
          this.deciding.add(actionId);
          const decided = this.decide(record, actionId, argsHash).finally(() => {
            this.deciding.delete(actionId);
            inProgress.delete(decided);
          });
          inProgress.add(decided);
        }
      } catch {
        this.pollErrors++;
      }
      await sleep(250);
    }
    await Promise.all(inProgress);
  }

  private async decide(record: ActionRecord, actionId: string, argsHash: string): Promise<void> {
    const plan = record.planned.decision!;
    const state = (record.decision ??= { attempts: 0 });
    state.attempts++;
    const decision = {
      approverId: plan.approverId,
      decision: plan.decision,
      channel: 'api',
      argsHash,
      comment: `soak: ${plan.decision}`,
      ...(plan.decision === 'deny' ? { feedback: 'soak: refused on purpose' } : {}),
    };
    try {
      await withTimeout(decideAction(this.deps.client, actionId, decision), DECIDE_CALL_MS, 'decide');
      state.decidedAt = Date.now();
    } catch (error) {
      // An earlier attempt was recorded but its answer was lost (Temporal restarting): done.
      if (error instanceof DecisionRejectedError && /has already decided/.test(error.message)) state.decidedAt = Date.now();
      // Anything else (not yet awaiting, Temporal or the worker down): the next poll tries again while the approval is open.
      else state.lastError = errorText(error);
    }
  }
}
