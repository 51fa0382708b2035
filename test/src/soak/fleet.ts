import path from 'node:path';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessSettings } from '../support/worker-process.js';
import type { Rng } from './rng.js';

/**
 * The worker processes (`npm run worker`), kept at a fixed count: the chaos
 * SIGKILLs one and starts its replacement. A worker that exits when nobody
 * killed it has crashed on its own: that is recorded (the soak reports it as a
 * violation) and it is replaced too, so the run goes on.
 */
export class WorkerFleet {
  private readonly live = new Set<WorkerProcess>();
  private readonly killedByUs = new WeakSet<WorkerProcess>();
  private started = 0;
  private stopping = false;
  readonly crashes: string[] = [];
  kills = 0;

  constructor(
    private readonly settings: Omit<WorkerProcessSettings, 'logFile'>,
    private readonly logDir: string,
    private readonly log: (line: string) => void,
  ) {}

  async start(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.spawn()));
  }

  /** SIGKILLs a random worker, waits until it is gone, then starts a replacement and waits until it polls. */
  async killOne(rng: Rng): Promise<void> {
    const victim = rng.pick([...this.live]);
    this.killedByUs.add(victim);
    this.live.delete(victim);
    victim.process.kill('SIGKILL');
    await victim.exited;
    this.kills++;
    this.log(`SIGKILLed worker ${victim.identity}`);
    await this.spawn();
  }

  get processesStarted(): number {
    return this.started;
  }

  /** Lets every worker drain (SIGTERM) at the end of the run. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.live].map((w) => w.stop('SIGTERM')));
    this.live.clear();
  }

  private async spawn(): Promise<void> {
    const n = ++this.started;
    const worker = await startWorkerProcess({ ...this.settings, logFile: path.join(this.logDir, `worker-${n}.log`) });
    this.live.add(worker);
    void worker.exited.then((status) => {
      if (this.stopping || this.killedByUs.has(worker)) return;
      this.live.delete(worker);
      const crash = `worker ${worker.identity} (worker-${n}.log) exited by itself (code ${status.code}, signal ${status.signal}); last output:\n${worker.output().split('\n').slice(-15).join('\n')}`;
      this.crashes.push(crash);
      this.log(crash);
      void this.spawn().catch((error: unknown) => this.log(`could not replace a crashed worker: ${String(error)}`));
    });
  }
}
