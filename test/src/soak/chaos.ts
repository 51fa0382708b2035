import { setTimeout as sleep } from 'node:timers/promises';
import type { PostgresServer } from '../support/postgres-server.js';
import type { TemporalDevServer } from '../support/temporal-server.js';
import type { SoakConfig } from './config.js';
import type { WorkerFleet } from './fleet.js';
import type { Rng } from './rng.js';

export interface ChaosEvent {
  atMs: number;
  kind: 'worker-kill' | 'temporal-restart' | 'postgres-restart';
  /** For restarts: from stopping the server to it serving again. */
  downtimeMs?: number;
}

export interface ChaosTargets {
  fleet: WorkerFleet;
  temporal: TemporalDevServer;
  postgres: PostgresServer;
}

/** How long a restarted server stays down: long enough that workers and clients see the outage. */
const OUTAGE_MS = 2_000;

/**
 * One loop, so no two faults overlap. A restart is due once enough actions
 * have ended (Temporal at about 1/3, PostgreSQL at about 2/3, spread evenly
 * when there are several), so it always lands mid-run; between restarts a
 * worker is SIGKILLed (and replaced) about every `killEveryMs`, jittered by
 * the seeded RNG.
 */
export class Chaos {
  readonly events: ChaosEvent[] = [];
  private temporalDue: number[];
  private postgresDue: number[];

  constructor(
    private readonly targets: ChaosTargets,
    private readonly config: SoakConfig,
    private readonly rng: Rng,
    private readonly log: (line: string) => void,
  ) {
    const spread = (n: number, offset: number) => Array.from({ length: n }, (_, i) => (i + offset) / n);
    this.temporalDue = spread(config.temporalRestarts, 1 / 3);
    this.postgresDue = spread(config.postgresRestarts, 2 / 3);
  }

  /** Planned restarts that never happened because the run ended first. */
  get missedRestarts(): number {
    return this.temporalDue.length + this.postgresDue.length;
  }

  /**
   * Whether the driver may submit action `index` of `total`: not past the point where the
   * last pending restart is due until it has happened. Restarts are due by how many actions
   * have ended, and a busy machine can end the rest while an earlier restart is under way;
   * holding the tail back keeps every restart mid-run whatever the machine's speed.
   */
  allowsSubmission(index: number, total: number): boolean {
    const pending = [...this.temporalDue, ...this.postgresDue];
    return pending.length === 0 || index < Math.ceil(Math.max(...pending) * total);
  }

  async run(progress: () => number, finished: () => boolean, startedAt: number): Promise<void> {
    const nextKill = () => Date.now() + this.config.killEveryMs * (0.5 + this.rng.next());
    let killAt = nextKill();
    const at = () => Date.now() - startedAt;
    while (!finished()) {
      const done = progress();
      if (this.temporalDue.length > 0 && done >= this.temporalDue[0]!) {
        this.temporalDue.shift();
        const begun = at();
        this.events.push({
          atMs: begun,
          kind: 'temporal-restart',
          downtimeMs: await this.outage(
            'Temporal',
            () => this.targets.temporal.stop(),
            () => this.targets.temporal.start(),
          ),
        });
      } else if (this.postgresDue.length > 0 && done >= this.postgresDue[0]!) {
        this.postgresDue.shift();
        const begun = at();
        // Immediate shutdown: no checkpoint, open connections cut, WAL replayed at start, as after a crash.
        this.events.push({
          atMs: begun,
          kind: 'postgres-restart',
          downtimeMs: await this.outage(
            'PostgreSQL',
            () => this.targets.postgres.stop('immediate'),
            () => this.targets.postgres.start(),
          ),
        });
      } else if (this.config.killEveryMs > 0 && this.targets.fleet.kills < this.config.maxKills && Date.now() >= killAt) {
        const begun = at();
        await this.targets.fleet.killOne(this.rng);
        this.events.push({ atMs: begun, kind: 'worker-kill' });
        killAt = nextKill();
      } else {
        await sleep(100);
      }
    }
  }

  private async outage(name: string, stop: () => Promise<void>, start: () => Promise<void>): Promise<number> {
    const began = Date.now();
    this.log(`stopping ${name}`);
    await stop();
    await sleep(OUTAGE_MS);
    await start();
    const downtime = Date.now() - began;
    this.log(`${name} is back after ${(downtime / 1000).toFixed(1)} s`);
    return downtime;
  }
}
