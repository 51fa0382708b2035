/** The parts of `npm run bench`, cheapest first. */
export const PARTS = ['policy', 'audit', 'audit-append', 'overhead', 'pending'] as const;
export type Part = (typeof PARTS)[number];

export interface SuiteConfig {
  parts: Part[];
  /** Policy evaluations in the mixed run (and about this many per request kind, divided among them). */
  policyEvals: number;
  auditRows: number;
  /** Seconds per figure in the audit-append part (1, 2, 4 appenders × 3 variants). */
  appendSeconds: number;
  pending: number;
  /**
   * Cache size of a second pending worker meant to hold them all (0, the default, skips that phase):
   * on a ~4 GiB heap the SDK's default (about 2,300) is already what fits, see bench/HISTORY.md, "Before (22 Nov 2026)".
   */
  pendingCache: number;
  pendingConcurrency: number;
  /** The dev servers the pending part runs on, in order (`--pending-server`). */
  pendingServers: PendingServer[];
  /** Calls per latency figure in the pending part. */
  latencySamples: number;
  /** Decisions in the pending part each sent after 11 s without a call (`--quiet-decisions`; 0 skips them). */
  quietDecisions: number;
  json: boolean;
  pgUrl: string;
  temporalCli: string | undefined;
  /** Flags this file does not know: bench/src/run.ts (the overhead part) reads them. */
  overheadArgs: string[];
  /** The overhead part's runs, in order: each a process of bench/src/run.ts with these flags. */
  overheadRuns: OverheadRun[];
}

export interface OverheadRun {
  server: string;
  args: string[];
}

const SERVER_FLAGS = ['--fast-dispatch', '--eager-activities'];

/** `stock`: the dev server as it comes; `fast`: with fast dispatch and eager activities (the headline, as `npm start` runs it). */
export type PendingServer = 'stock' | 'fast';
const PENDING_SERVERS: Record<string, PendingServer[]> = { stock: ['stock'], fast: ['fast'], both: ['stock', 'fast'] };

/**
 * Issue 14 wants its ratios for both dev servers, the fast one as the headline:
 * unless the flags pick a server, the overhead part runs on the stock server
 * (without the profile, unless --profile-runs asks for it), then on the fast
 * one with eager activities, as `npm start` runs it.
 */
function overheadRunsFor(args: string[], env: NodeJS.ProcessEnv): OverheadRun[] {
  const picked = args.some((a) => SERVER_FLAGS.some((f) => a === f || a.startsWith(`${f}=`))) || !!env.BENCH_FAST_DISPATCH || !!env.BENCH_EAGER_ACTIVITIES;
  if (picked) return [{ server: 'as the flags say', args }];
  const profileChosen = args.some((a) => a.startsWith('--profile-runs=')) || !!env.BENCH_PROFILE_RUNS;
  return [
    { server: 'stock dev server', args: profileChosen ? args : [...args, '--profile-runs=0'] },
    { server: 'fast dispatch + eager activities (the headline)', args: [...args, ...SERVER_FLAGS] },
  ];
}

const USAGE = `npm run bench -- [--only=${PARTS.join(',')}] [--skip=...] [--policy-evals=N] [--audit-rows=N] [--append-seconds=N] [--pending=N]
                     [--pending-server=both|fast|stock] [--pending-cache=N] [--pending-concurrency=N] [--latency-samples=N] [--quiet-decisions=N] [--json] [overhead flags: see bench/README.md]`;

function partList(raw: string, flag: string): Part[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(PARTS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`${flag}: unknown part(s) ${unknown.join(', ')}; the parts are ${PARTS.join(', ')}\n${USAGE}`);
  return names as Part[];
}

export function readSuiteConfig(argv: readonly string[], env: NodeJS.ProcessEnv): SuiteConfig {
  const own = new Map<string, string>();
  const overheadArgs: string[] = [];
  let json = env.BENCH_JSON === '1' || env.BENCH_JSON === 'true';
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (
      m &&
      [
        'only',
        'skip',
        'policy-evals',
        'audit-rows',
        'append-seconds',
        'pending',
        'pending-server',
        'pending-cache',
        'pending-concurrency',
        'latency-samples',
        'quiet-decisions',
      ].includes(m[1]!)
    ) {
      if (m[2] === undefined) throw new Error(`--${m[1]} needs a value (--${m[1]}=...)\n${USAGE}`);
      own.set(m[1]!, m[2]);
    } else {
      if (arg === '--json') json = true;
      overheadArgs.push(arg);
    }
  }
  const num = (flag: string, fallback: number): number => {
    const raw = own.get(flag);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${flag} must be a non-negative integer, got "${raw}"`);
    return value;
  };
  const only = own.has('only') ? partList(own.get('only')!, '--only') : [...PARTS];
  const skip = own.has('skip') ? partList(own.get('skip')!, '--skip') : [];
  const pending = num('pending', 10_000);
  const pendingServer = own.get('pending-server') ?? 'both';
  const pendingServers = PENDING_SERVERS[pendingServer];
  if (!pendingServers) throw new Error(`--pending-server must be both, fast or stock, got "${pendingServer}"\n${USAGE}`);
  return {
    parts: PARTS.filter((p) => only.includes(p) && !skip.includes(p)),
    policyEvals: num('policy-evals', 200_000),
    auditRows: num('audit-rows', 200_000),
    appendSeconds: Math.max(1, num('append-seconds', 10)),
    pending,
    pendingCache: num('pending-cache', 0),
    pendingConcurrency: Math.max(1, num('pending-concurrency', 32)),
    pendingServers,
    latencySamples: Math.max(1, num('latency-samples', 30)),
    quietDecisions: num('quiet-decisions', 3),
    json,
    pgUrl: env.AIRLOCK_BENCH_PG_URL ?? env.AIRLOCK_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    temporalCli: env.TEMPORAL_CLI_PATH,
    overheadArgs,
    overheadRuns: overheadRunsFor(overheadArgs, env),
  };
}
