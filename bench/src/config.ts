/** Benchmark settings: flags (`--n=300`) win over env vars (`BENCH_N=300`), which win over defaults. */
export interface BenchConfig {
  /** Sequential runs per variant (after warm-up). */
  n: number;
  warmup: number;
  /** Workflows per concurrent batch, per variant and round. */
  batch: number;
  concurrency: number;
  /** Concurrent batches per variant, alternated A B B A ... */
  rounds: number;
  /** Decision-to-tool-start runs per channel. */
  approvals: number;
  /** Sequential runs per variant in the profile section; 0 skips it. */
  profileRuns: number;
  json: boolean;
  /**
   * Lifts the dev server's history.transferProcessorMaxPollRPS (20 by default)
   * so workflow tasks are dispatched at once instead of at the next 50 ms poll.
   */
  fastDispatch: boolean;
  /**
   * Turns on the server's eager activity execution (system.enableActivityEagerExecution,
   * off by default): an activity scheduled by a workflow task comes back in the
   * task's completion reply to the same worker instead of through a task-queue poll.
   */
  eagerActivities: boolean;
  /**
   * Leaves out the two console channels of the decision timings (REST over HTTP
   * and the server action), which need a built console (`next build`, reused
   * while the tree is unchanged) and `next start`.
   */
  skipConsole: boolean;
  /**
   * A directory holding another tree's console, built (`next build --webpack` run in it; at the
   * same depth as apps/console, so it resolves this checkout's packages): started beside this
   * tree's console, its two channels interleaved with the others as `… (baseline)`, so a change
   * to the console is compared decision by decision under the same load. Not in the targets.
   */
  consoleBaseline: string | undefined;
  /** Server the scratch database is created on (its own database is never touched). */
  pgUrl: string;
  temporalCli: string | undefined;
}

const numeric = {
  n: ['BENCH_N', 200],
  warmup: ['BENCH_WARMUP', 20],
  batch: ['BENCH_BATCH', 200],
  concurrency: ['BENCH_CONCURRENCY', 20],
  rounds: ['BENCH_ROUNDS', 3],
  approvals: ['BENCH_APPROVALS', 50],
  profileRuns: ['BENCH_PROFILE_RUNS', 30],
} as const satisfies Record<string, readonly [string, number]>;

type NumericKey = keyof typeof numeric;

export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): BenchConfig {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument "${arg}" (flags look like --n=100; see bench/README.md)`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const num = (key: NumericKey): number => {
    const [envName, fallback] = numeric[key];
    const flagName = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const raw = flags.get(flagName) ?? env[envName];
    flags.delete(flagName);
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${flagName} / ${envName} must be a non-negative integer, got "${raw}"`);
    return value;
  };
  const bool = (flag: string, envName: string): boolean => {
    const raw = flags.get(flag);
    flags.delete(flag);
    return raw === 'true' || raw === '1' || (raw === undefined && (env[envName] === '1' || env[envName] === 'true'));
  };
  const text = (flag: string, envName: string): string | undefined => {
    const raw = flags.get(flag) ?? env[envName];
    flags.delete(flag);
    return raw === undefined || raw === '' || raw === 'true' ? undefined : raw;
  };
  const config: BenchConfig = {
    n: num('n'),
    warmup: num('warmup'),
    batch: num('batch'),
    concurrency: Math.max(1, num('concurrency')),
    rounds: num('rounds'),
    approvals: num('approvals'),
    profileRuns: num('profileRuns'),
    json: bool('json', 'BENCH_JSON'),
    fastDispatch: bool('fast-dispatch', 'BENCH_FAST_DISPATCH'),
    eagerActivities: bool('eager-activities', 'BENCH_EAGER_ACTIVITIES'),
    skipConsole: bool('skip-console', 'BENCH_SKIP_CONSOLE'),
    consoleBaseline: text('console-baseline', 'BENCH_CONSOLE_BASELINE'),
    pgUrl: env.AIRLOCK_BENCH_PG_URL ?? env.AIRLOCK_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    temporalCli: env.TEMPORAL_CLI_PATH,
  };
  if (flags.size > 0) throw new Error(`unknown flag(s): ${[...flags.keys()].map((k) => `--${k}`).join(', ')}`);
  return config;
}
