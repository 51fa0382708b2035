import type { KillPoint } from '@airlock/activities';
import { actionHandle } from '@airlock/core/gateway';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { inject, onTestFailed } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';
import { TemporalDevServer } from '../support/temporal-server.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

export interface CrashRigOptions {
  /** AIRLOCK_POLICY_FILE of every worker; unset = the bundled default policy. */
  policyFile?: string;
  /** AIRLOCK_TOOLS_MODULE of every worker: tools of the test's own. */
  toolsModule?: string;
  /**
   * The kill points of the file's cases, in the order they run: while a case runs, the worker that dies
   * in the next one is started (on a task queue of its own), so its start-up is not on the next case's path.
   * It outlives this case's server kill: a worker's polls retry until the server is back.
   */
  order?: readonly KillPoint[];
}

/**
 * What the crash suites share (src/crash/*.test.ts): a Temporal dev server of their own (they kill
 * it), a fresh database with the team seeded, and the standalone worker started, perhaps to die at
 * a kill point (AIRLOCK_TEST_KILL_POINT), then started again to check what it left.
 */
export class CrashRig {
  /** The worker running now (the dying one, or the one started for the checks). */
  worker: WorkerProcess | undefined;
  /** The worker started last, kept (stopped or not) for its output when a test fails. */
  private lastWorker: WorkerProcess | undefined;
  /** The task queue of the case under way (each dying worker has its own); the base one before any. */
  taskQueue: string;
  private queues = 0;
  /** The next case's dying worker, starting while this case runs. */
  private next: { point: KillPoint; taskQueue: string; worker: Promise<WorkerProcess> } | undefined;
  /** Where in `order` the cases are. */
  private cursor = 0;
  /** Told when the server is killed: the open connections stop retrying. */
  private readonly onServerKill = new Set<() => void>();

  private constructor(
    readonly temporal: TemporalDevServer,
    readonly database: TestDatabase,
    private readonly baseTaskQueue: string,
    private readonly options: CrashRigOptions,
  ) {
    this.taskQueue = baseTaskQueue;
  }

  static async create(taskQueue: string, options: CrashRigOptions = {}): Promise<CrashRig> {
    inject('temporalAddress'); // the shared server is not used: these tests kill their own
    const temporal = await TemporalDevServer.create();
    const database = await createTestDatabase();
    await seedTeam(database.db);
    return new CrashRig(temporal, database, taskQueue, options);
  }

  async close(): Promise<void> {
    const next = this.next;
    this.next = undefined;
    await Promise.all([this.worker?.stop('SIGTERM'), next?.worker.then((w) => w.stop('SIGTERM')).catch(() => undefined)]);
    await this.temporal.destroy();
    await this.database.drop();
  }

  /**
   * A client whose calls stop retrying once the server is killed (killServer): a call still waiting then
   * fails at once, where the default retries kept it going for about 20 s against a dead server (and would
   * have sent it again to the restarted one). An answer that came, came before the kill.
   */
  async connect(): Promise<{ client: Client; close: () => Promise<void> }> {
    let serverKilled = false;
    const retry = defaultGrpcRetryOptions();
    const connection = await Connection.connect({
      address: this.temporal.address,
      interceptors: [
        makeGrpcRetryInterceptor({ delayFunction: retry.delayFunction, retryableDecider: (attempt, status) => !serverKilled && retry.retryableDecider(attempt, status) }),
      ],
    });
    const onKill = () => (serverKilled = true);
    this.onServerKill.add(onKill);
    return {
      client: new Client({ connection }),
      close: async () => {
        this.onServerKill.delete(onKill);
        await connection.close();
      },
    };
  }

  /** SIGKILLs the Temporal server (as `npm start` dies whole); the calls still waiting on it fail. */
  async killServer(): Promise<void> {
    for (const onKill of this.onServerKill) onKill();
    await this.temporal.kill();
  }

  private spawnWorker(taskQueue: string, killPoint?: KillPoint): Promise<WorkerProcess> {
    // The run's one bundle: bundling at each of the 2 starts per kill point was most of the time.
    const settings = {
      temporalAddress: this.temporal.address,
      databaseUrl: this.database.url,
      taskQueue,
      workflowBundlePath: inject('workflowBundlePath'),
      ...(this.options.policyFile ? { policyFile: this.options.policyFile } : {}),
      ...(this.options.toolsModule ? { toolsModule: this.options.toolsModule } : {}),
    };
    return startWorkerProcess({ ...settings, ...(killPoint ? { killPoint } : {}) }, 300_000);
  }

  /** A worker on the task queue of the case under way (no kill point: the checks' worker). */
  async startWorker(): Promise<WorkerProcess> {
    this.lastWorker = await this.spawnWorker(this.taskQueue);
    return this.lastWorker;
  }

  /**
   * A worker that dies at `point`, on a task queue of its own (the case's, from now on); a failure of
   * the test prints the phase it was in and the worker's output.
   */
  async startDying(point: KillPoint, progress: { phase: string }): Promise<WorkerProcess> {
    onTestFailed(() => {
      console.error(`failed during ${progress.phase}; worker output:\n${this.lastWorker?.output().split('\n').slice(-60).join('\n')}`);
    });
    const next = this.next;
    this.next = undefined;
    let started: { taskQueue: string; worker: WorkerProcess } | undefined;
    if (next?.point === point) {
      const worker = await next.worker.catch(() => undefined);
      if (worker?.isRunning()) started = { taskQueue: next.taskQueue, worker };
    } else if (next) {
      // Started for another case (a filtered run): not this one's.
      void next.worker.then((w) => w.stop('SIGTERM')).catch(() => undefined);
    }
    if (!started) {
      const taskQueue = this.newTaskQueue();
      started = { taskQueue, worker: await this.spawnWorker(taskQueue, point) };
    }
    this.taskQueue = started.taskQueue;
    this.worker = this.lastWorker = started.worker;
    this.startNext(point);
    return started.worker;
  }

  private newTaskQueue(): string {
    return `${this.baseTaskQueue}-${++this.queues}`;
  }

  /** Starts the dying worker of the case after `point`'s in `order`, if there is one. */
  private startNext(point: KillPoint): void {
    const order = this.options.order ?? [];
    const index = order.indexOf(point, this.cursor);
    if (index < 0) return;
    this.cursor = index + 1;
    const nextPoint = order[this.cursor];
    if (!nextPoint) return;
    const taskQueue = this.newTaskQueue();
    const worker = this.spawnWorker(taskQueue, nextPoint);
    // A failed start is seen (and started again) by the case that needs it.
    worker.catch(() => undefined);
    this.next = { point: nextPoint, taskQueue, worker };
  }

  /**
   * Resolves if the action's outcome is recorded while the worker lives (its kill point was never
   * reached); read from the database, so nothing is left polling Temporal when its server is killed.
   */
  async endedWithoutKill(actionId: string, exited: Promise<unknown>, point: KillPoint): Promise<{ signal: string }> {
    let gone = false;
    void exited.then(() => (gone = true));
    for (;;) {
      const { rows } = await this.database.db.pool.query<{ status: string }>('SELECT status::text FROM actions WHERE id = $1 AND outcome IS NOT NULL', [actionId]);
      if (rows[0]) {
        // Seen between the commit and the kill that follows it, the worker's exit wins the race below.
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, EXIT_AFTER_OUTCOME_MS))]);
        if (gone) return new Promise<never>(() => undefined);
        return { signal: `none: the action ended ${rows[0].status} without reaching ${point}` };
      }
      if (gone) return new Promise<never>(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** How the dying worker ended: SIGKILL at its point, or a reason it did not (the action ended without reaching it). */
  async killed(actionId: string, dying: WorkerProcess, point: KillPoint): Promise<string> {
    const exit = await Promise.race([dying.exited, this.endedWithoutKill(actionId, dying.exited, point)]);
    return String(exit.signal);
  }

  /**
   * After a restart: a fresh worker and client for the checks, both stopped whatever the checks find.
   * A killed server is started again first, with the worker starting beside it (it waits for the server).
   */
  async afterRestart(check: (client: Client) => Promise<void>): Promise<void> {
    const [started, server] = await Promise.allSettled([this.startWorker(), this.temporal.pid === undefined ? this.temporal.start() : undefined]);
    if (started.status === 'rejected' || server.status === 'rejected') {
      if (started.status === 'fulfilled') await started.value.stop('SIGKILL');
      throw started.status === 'rejected' ? started.reason : (server as PromiseRejectedResult).reason;
    }
    const worker = started.value;
    this.worker = worker;
    const { client, close } = await this.connect();
    try {
      await check(client);
    } finally {
      await close();
      await worker.stop('SIGTERM');
      this.worker = undefined;
    }
  }
}

// How long a worker that recorded the outcome has to be seen dead: a point reached right after the
// outcome's commit (complete.after-write) kills the worker a moment after the row is visible.
const EXIT_AFTER_OUTCOME_MS = 15_000;

/** Who sent each update named `name` that Temporal durably accepted for the action (its history's accepted events). */
export async function acceptedUpdates(client: Client, actionId: string, name: string): Promise<string[]> {
  const history = await actionHandle(client, actionId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
    if (!accepted || accepted.acceptedRequest?.input?.name !== name) return [];
    return [accepted.acceptedRequest?.meta?.identity ?? 'unknown'];
  });
}

/** Each audit row type of the action, in the chain's order. */
export async function auditTypes(database: TestDatabase, actionId: string): Promise<string[]> {
  const rows = await database.db.prisma.auditEvent.findMany({ where: { actionId }, orderBy: { seq: 'asc' }, select: { type: true } });
  return rows.map((e) => e.type);
}

/** How many rows of each of `types` the audit log holds. */
export function countOf(audit: readonly string[], types: readonly string[]): Record<string, number> {
  return Object.fromEntries(types.map((type) => [type, audit.filter((t) => t === type).length]));
}

/**
 * The budget's books: every reservation settled (none still reserved) and the usage rows agreeing
 * with them (reserved 0, spent = what committed reservations hold), so nothing was settled twice.
 */
export async function budgetBooks(database: TestDatabase) {
  const { rows: reservations } = await database.db.pool.query<{ action_id: string; status: string; amount: string; actual: string | null }>(
    'SELECT action_id, status, amount::text, actual_amount::text AS actual FROM budget_reservations ORDER BY created_at',
  );
  const { rows: usage } = await database.db.pool.query<{ reserved: string; spent: string }>(
    'SELECT coalesce(sum(reserved), 0)::text AS reserved, coalesce(sum(spent), 0)::text AS spent FROM budget_usage',
  );
  const committed = reservations.filter((r) => r.status === 'committed').reduce((sum, r) => sum + Number(r.actual ?? r.amount), 0);
  return { reservations, reserved: Number(usage[0]!.reserved), spent: Number(usage[0]!.spent), committed };
}
