import { randomInt } from 'node:crypto';

export interface SoakConfig {
  /** Seeds the workload, the decisions and the chaos schedule. */
  seed: number;
  actions: number;
  /** Worker processes kept running (one is killed and respawned at a time). */
  workers: number;
  /** A worker is SIGKILLed (and respawned) about this often; 0 = never. */
  killEveryMs: number;
  /** Stop killing after this many kills. */
  maxKills: number;
  temporalRestarts: number;
  postgresRestarts: number;
  /** Actions submitted but not yet ended, at most. */
  inFlight: number;
  /** The approval deadline of the actions that are left to time out. */
  timeoutDeadlineMs: number;
  /** A person decides 0.2 s to this long after the approval opens. */
  maxDecisionDelayMs: number;
  /** The run fails (as a violation) if the actions have not all ended by then. */
  maxRunMs: number;
  /** Rounds of approve-versus-kill-switch after the main run (every third with a worker SIGKILL while the decision is recorded). */
  killSwitchRaces: number;
  /** Keep the data directories (Temporal's SQLite file, the PostgreSQL cluster, logs) even when the run passes. */
  keep: boolean;
}

export const DEFAULTS: Omit<SoakConfig, 'seed'> = {
  actions: 1_000,
  workers: 2,
  killEveryMs: 6_000,
  maxKills: Number.POSITIVE_INFINITY,
  temporalRestarts: 1,
  postgresRestarts: 1,
  inFlight: 60,
  timeoutDeadlineMs: 15_000,
  maxDecisionDelayMs: 4_000,
  maxRunMs: 45 * 60_000,
  killSwitchRaces: 12,
  keep: false,
};

const USAGE = `usage: npm run soak -- [--seed=N] [--actions=N] [--workers=N] [--kill-every=SECONDS] [--max-kills=N] [--kill-switch-races=N]
                        [--temporal-restarts=N] [--pg-restarts=N] [--in-flight=N] [--timeout-deadline=SECONDS]
                        [--max-minutes=N] [--keep]`;

/** `--name=value` or `--name value`; unknown flags are an error (a typo must not silently run the defaults). */
export function parseSoakArgs(argv: readonly string[]): SoakConfig {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!match) throw new Error(`unexpected argument "${argv[i]}"\n${USAGE}`);
    const [, name, inline] = match;
    if (inline !== undefined || name === 'keep') flags.set(name!, inline ?? 'true');
    else if (i + 1 < argv.length) flags.set(name!, argv[++i]!);
    else throw new Error(`--${name} needs a value\n${USAGE}`);
  }
  const take = (name: string): string | undefined => {
    const value = flags.get(name);
    flags.delete(name);
    return value;
  };
  const num = (name: string, fallback: number, { min = 0, scale = 1 } = {}): number => {
    const raw = take(name);
    const value = raw === undefined ? fallback : Number(raw);
    if (Number.isNaN(value) || value < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${raw}"`);
    return value === Number.POSITIVE_INFINITY ? value : Math.round(value * scale);
  };
  const config: SoakConfig = {
    seed: num('seed', randomInt(1, 2 ** 31 - 1)),
    actions: num('actions', DEFAULTS.actions, { min: 1 }),
    workers: num('workers', DEFAULTS.workers, { min: 2 }),
    killEveryMs: num('kill-every', DEFAULTS.killEveryMs / 1000, { scale: 1000 }),
    maxKills: num('max-kills', DEFAULTS.maxKills),
    killSwitchRaces: num('kill-switch-races', DEFAULTS.killSwitchRaces),
    temporalRestarts: num('temporal-restarts', DEFAULTS.temporalRestarts),
    postgresRestarts: num('pg-restarts', DEFAULTS.postgresRestarts),
    inFlight: num('in-flight', DEFAULTS.inFlight, { min: 1 }),
    timeoutDeadlineMs: num('timeout-deadline', DEFAULTS.timeoutDeadlineMs / 1000, { min: 1, scale: 1000 }),
    maxDecisionDelayMs: DEFAULTS.maxDecisionDelayMs,
    maxRunMs: num('max-minutes', DEFAULTS.maxRunMs / 60_000, { min: 1, scale: 60_000 }),
    keep: take('keep') === 'true',
  };
  if (flags.size > 0) throw new Error(`unknown flag(s): ${[...flags.keys()].map((f) => `--${f}`).join(', ')}\n${USAGE}`);
  return config;
}
