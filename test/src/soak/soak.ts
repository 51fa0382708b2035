import { Chaos, type ChaosEvent } from './chaos.js';
import { checkInvariants, gatherFacts, type Facts, type Violation } from './checks/index.js';
import type { SoakConfig } from './config.js';
import { Driver, type ActionRecord } from './driver.js';
import { raceKillSwitch, type RaceSummary } from './kill-switch-race.js';
import { startEnvironment, type SoakEnvironment } from './environment.js';
import { errorText } from './retry.js';
import { Rng } from './rng.js';
import { checkSlack, type SlackSummary } from './slack.js';
import { planWorkload, type Route } from './workload.js';

export interface SoakReport {
  config: SoakConfig;
  passed: boolean;
  setupMs: number;
  /** From the first submission until every action had ended. */
  runMs: number;
  checkMs: number;
  outcomes: Partial<Record<Route, Record<string, number>>>;
  chaos: { events: ChaosEvent[]; workerProcessesStarted: number; missedRestarts: number };
  client: { submitRetries: number; decisions: number; decisionAttempts: number; failedDbPolls: number };
  temporal: { retriedActivities: number; workflowTaskTimeouts: number; workflowTaskFailures: Record<string, number> };
  budgets: { perAgent: string; tenant: string; tenantSpent: string | undefined; refusedForMoney: number };
  /** The approve-versus-kill-switch phase after the main run. */
  races: RaceSummary | undefined;
  /** Slack's last message state against the recorded outcomes, after everything else. */
  slack: SlackSummary | undefined;
  violations: Violation[];
  /** Data directories kept for inspection (on failure, or with --keep). */
  keptDirs: string[];
}

/**
 * The soak: start everything, play the workload while the chaos loop kills
 * workers and restarts Temporal and PostgreSQL, then read the database and
 * every workflow history and check the invariants.
 */
export async function runSoak(config: SoakConfig, log: (line: string) => void): Promise<SoakReport> {
  const rng = new Rng(config.seed);
  const plan = planWorkload(rng.fork('workload'), config.actions, config.maxDecisionDelayMs);
  const setupStart = Date.now();
  const env = await startEnvironment(config, log);
  let report: SoakReport | undefined;
  try {
    report = await playAndCheck(env, config, plan, rng, log, Date.now() - setupStart);
    return report;
  } finally {
    const kept = await env.close(config.keep || report?.passed !== true);
    if (report) report.keptDirs = kept;
  }
}

async function playAndCheck(
  env: SoakEnvironment,
  config: SoakConfig,
  plan: ReturnType<typeof planWorkload>,
  rng: Rng,
  log: (line: string) => void,
  setupMs: number,
): Promise<SoakReport> {
  const driver = new Driver({ client: env.client, db: env.db, taskQueue: env.taskQueue }, plan, config.inFlight);
  const chaos = new Chaos(env, config, rng.fork('chaos'), log);
  const violations: Violation[] = [];
  const started = Date.now();
  let finished = false;
  const progressLog = setInterval(() => log(`${driver.ended} of ${plan.length} ended, ${driver.submitted - driver.ended} in flight`), 10_000);
  const chaosRun = chaos.run(
    () => driver.ended / plan.length,
    () => finished,
    started,
  );
  try {
    await driver.run(started + config.maxRunMs, (index) => chaos.allowsSubmission(index, plan.length));
  } catch (error) {
    violations.push({ invariant: 'the run completes', detail: errorText(error) });
  } finally {
    finished = true;
    clearInterval(progressLog);
    await chaosRun.catch((error: unknown) => violations.push({ invariant: 'the chaos plan runs', detail: errorText(error) }));
  }
  const runMs = Date.now() - started;
  log(`all ${driver.ended} actions ended after ${(runMs / 1000).toFixed(1)} s; checking invariants`);

  const checkStart = Date.now();
  const facts = await gatherFacts(env.db, env.client, driver.records);
  violations.push(...checkInvariants(facts));
  for (const crash of env.fleet.crashes) violations.push({ invariant: 'workers survive outages of Temporal and PostgreSQL', detail: crash });
  if (chaos.missedRestarts > 0) violations.push({ invariant: 'the chaos plan runs', detail: `${chaos.missedRestarts} planned restart(s) did not happen before the run ended` });

  // After the main checks, whose tables it would add to: the kill switch races approvals, some with a worker SIGKILLed mid-decision.
  let races: RaceSummary | undefined;
  if (config.killSwitchRaces > 0) {
    try {
      const raced = await raceKillSwitch({ client: env.client, db: env.db, taskQueue: env.taskQueue, fleet: env.fleet }, rng.fork('races'), config.killSwitchRaces, log);
      races = raced.summary;
      violations.push(...raced.violations);
    } catch (error) {
      violations.push({ invariant: 'kill switch race: the phase runs', detail: errorText(error) });
    }
  }

  // Last, so the race actions are covered too: every approval message's last state against the outcome.
  let slack: SlackSummary | undefined;
  try {
    const checked = await checkSlack(env.db, env.slack);
    slack = checked.summary;
    violations.push(...checked.violations);
  } catch (error) {
    violations.push({ invariant: 'Slack agrees with the recorded outcome: the check runs', detail: errorText(error) });
  }

  return {
    config,
    passed: violations.length === 0,
    setupMs,
    runMs,
    checkMs: Date.now() - checkStart,
    outcomes: outcomesByRoute(facts),
    chaos: { events: chaos.events, workerProcessesStarted: env.fleet.processesStarted, missedRestarts: chaos.missedRestarts },
    client: clientFigures(driver.records, driver.failedPolls),
    temporal: temporalFigures(facts),
    budgets: {
      ...env.budgets,
      tenantSpent: facts.usage.find((u) => u.scope === 'tenant')?.spent,
      refusedForMoney: facts.actions.filter((a) => a.workflow.outcome?.status === 'denied' && /budget/.test(a.workflow.outcome.reason)).length,
    },
    races,
    slack,
    violations,
    keptDirs: [],
  };
}

function outcomesByRoute(facts: Facts): SoakReport['outcomes'] {
  const table: SoakReport['outcomes'] = {};
  for (const a of facts.actions) {
    const row = (table[a.record.planned.route] ??= {});
    const status = a.workflow.outcome?.status ?? a.workflow.closed;
    row[status] = (row[status] ?? 0) + 1;
  }
  return table;
}

function clientFigures(records: readonly ActionRecord[], failedDbPolls: number): SoakReport['client'] {
  return {
    submitRetries: records.reduce((n, r) => n + Math.max(0, r.submitAttempts - 1), 0),
    decisions: records.filter((r) => r.decision?.decidedAt !== undefined).length,
    decisionAttempts: records.reduce((n, r) => n + (r.decision?.attempts ?? 0), 0),
    failedDbPolls,
  };
}

function temporalFigures(facts: Facts): SoakReport['temporal'] {
  const failures: Record<string, number> = {};
  for (const a of facts.actions) for (const cause of a.workflow.workflowTaskFailures) failures[cause] = (failures[cause] ?? 0) + 1;
  return {
    retriedActivities: facts.actions.reduce((n, a) => n + a.workflow.retriedActivities, 0),
    workflowTaskTimeouts: facts.actions.reduce((n, a) => n + a.workflow.workflowTaskTimeouts, 0),
    workflowTaskFailures: failures,
  };
}
