import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDb } from '@airlock/db';
import { formatAppendBench } from './audit-append/report.js';
import { runAppendBench, type AppendBenchResults } from './audit-append/index.js';
import { formatAuditBench } from './audit-verify/report.js';
import { runAuditBench, type AuditBenchResults } from './audit-verify/index.js';
import { Cleanup } from './infra/cleanup.js';
import { loadAverage1m, machineInfo, type MachineInfo } from './infra/machine.js';
import { temporalCliPath } from './infra/temporal.js';
import { formatPendingBench } from './pending/report.js';
import { runPendingBench, type PendingBenchResults } from './pending/index.js';
import { formatPolicyBench } from './policy-eval/report.js';
import { runPolicyBench, type PolicyBenchResults } from './policy-eval/index.js';
import { coreLogFilter } from './pending/core-log.js';
import { noVmTimeout } from './pending/worker-process.js';
import { readSuiteConfig, type OverheadRun, type Part, type PendingServer, type SuiteConfig } from './suite-config.js';

// `npm run bench`: every part in turn, or those `--only` names / `--skip` leaves
// out. The overhead part (guarded vs bare, bench/src/run.ts) runs as its own
// process with the flags this file does not know.

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const PENDING_SERVER_NAMES: Record<PendingServer, string> = { stock: 'stock dev server', fast: 'fast dispatch + eager activities (the headline)' };
const OVERHEAD_ENTRY = fileURLToPath(new URL('./run.ts', import.meta.url));

interface SuiteResults {
  machine: MachineInfo;
  parts: Part[];
  policy?: PolicyBenchResults;
  audit?: AuditBenchResults;
  auditAppend?: AppendBenchResults;
  /** The overhead part's own JSON (with --json) or text, one per server it ran on. */
  overhead?: (OverheadRun & { report: unknown })[];
  /** One per dev server the pending part ran on. */
  pending?: PendingBenchResults[];
}

/** bench/src/run.ts in a child process: its stdout (a report, or JSON with --json) is collected; its progress goes to stderr. */
function runOverhead(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', OVERHEAD_ENTRY, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`the overhead part exited with code ${code}`))));
  });
}

async function machine(config: SuiteConfig, loadAtStart: number): Promise<MachineInfo> {
  const db = createDb(config.pgUrl, { poolSize: 1 });
  try {
    return await machineInfo(db, temporalCliPath(config.temporalCli), loadAtStart);
  } finally {
    await db.close();
  }
}

function header(m: MachineInfo): string {
  return `# Airlock benchmarks\n\n${m.cpus} CPUs (${m.cpuModel}), ${m.memory}, Node ${m.node}, ${m.temporal.split('\n')[0]}, ${m.postgres}; 1-minute load average ${m.loadAverage.start.toFixed(1)} at the start; workflow stack traces ${
    process.env.AIRLOCK_WORKFLOW_STACK_TRACES === 'true' ? 'on (AIRLOCK_WORKFLOW_STACK_TRACES=true)' : 'off (as shipped)'
  }${noVmTimeout() ? "; pending workers WITHOUT the SDK's vm timeout (BENCH_NO_VM_TIMEOUT=1, a measurement)" : ''}${
    coreLogFilter() ? `; pending workers logging Core's timeline (BENCH_CORE_LOG: ${coreLogFilter()}; slower)` : ''
  }`;
}

async function main(cleanup: Cleanup): Promise<void> {
  const config = readSuiteConfig(process.argv.slice(2), process.env);
  const info = await machine(config, loadAverage1m());
  const results: Omit<SuiteResults, 'machine'> = { parts: config.parts };
  // Text goes out part by part, so a long run that fails late still shows the parts that finished.
  const print = (text: string) => {
    if (!config.json) process.stdout.write(`${text}\n\n`);
  };
  print(header(info));
  if (!config.parts.includes('overhead') && config.overheadArgs.some((a) => a !== '--json')) {
    log(`ignoring ${config.overheadArgs.join(' ')}: those flags are for the overhead part, which is not selected`);
  }
  for (const part of config.parts) {
    log(`part: ${part}`);
    if (part === 'policy') {
      results.policy = runPolicyBench(config.policyEvals, log);
      print(formatPolicyBench(results.policy));
    } else if (part === 'audit') {
      results.audit = await runAuditBench(config.pgUrl, config.auditRows, cleanup, log);
      print(formatAuditBench(results.audit));
    } else if (part === 'audit-append') {
      results.auditAppend = await runAppendBench(config.pgUrl, config.appendSeconds, cleanup, log);
      print(formatAppendBench(results.auditAppend));
    } else if (part === 'overhead') {
      results.overhead = [];
      for (const run of config.overheadRuns) {
        log(`overhead: ${run.server} (${run.args.join(' ') || 'default flags'})`);
        const out = await runOverhead(run.args);
        results.overhead.push({ ...run, report: config.json ? (JSON.parse(out) as unknown) : out.trim() });
        print(`## Guarded vs bare, ${run.server} (bench/src/run.ts ${run.args.join(' ')})\n\n${out.trim()}`);
      }
    } else {
      results.pending = [];
      for (const server of config.pendingServers) {
        log(`pending: ${PENDING_SERVER_NAMES[server]}`);
        // Each server's run undoes its own dev server, database and worker before the next one starts.
        const scope = new Cleanup(log);
        cleanup.add(`pending on the ${server} server`, () => scope.run());
        const pending = await runPendingBench(
          {
            count: config.pending,
            fullCache: config.pendingCache,
            concurrency: config.pendingConcurrency,
            samples: config.latencySamples,
            quietDecisions: config.quietDecisions,
            pgUrl: config.pgUrl,
            temporalCli: config.temporalCli,
            server,
          },
          scope,
          log,
        );
        await scope.run();
        results.pending.push(pending);
        print(formatPendingBench(pending, PENDING_SERVER_NAMES[server]));
      }
    }
  }
  info.loadAverage.end = loadAverage1m();
  if (config.json) process.stdout.write(`${JSON.stringify({ machine: info, ...results }, null, 2)}\n`);
  else process.stdout.write(`1-minute load average ${info.loadAverage.end.toFixed(1)} at the end\n`);
}

const cleanup = new Cleanup(log);
cleanup.onSignals();
void main(cleanup)
  .then(
    () => 0,
    (error: unknown) => {
      console.error(error);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup.run();
    process.exit(code);
  });
