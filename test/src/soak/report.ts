import os from 'node:os';
import type { SoakReport } from './soak.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The human summary: what ran, what broke on purpose, what the invariants found, and how to repeat it. */
export function formatReport(r: SoakReport): string {
  const { config: c } = r;
  const kills = r.chaos.events.filter((e) => e.kind === 'worker-kill').length;
  const restarts = (kind: string) => {
    const events = r.chaos.events.filter((e) => e.kind === kind);
    return `${events.length} (down ${events.map((e) => seconds(e.downtimeMs ?? 0)).join(', ') || '-'}, at ${events.map((e) => seconds(e.atMs)).join(', ') || '-'})`;
  };
  const lines = [
    `Airlock soak, seed ${c.seed}: ${r.passed ? 'PASS' : `FAIL (${r.violations.length} violation(s))`}`,
    `repeat: npm run soak -- --seed=${c.seed} --actions=${c.actions} --workers=${c.workers} --kill-every=${c.killEveryMs / 1000} --temporal-restarts=${c.temporalRestarts} --pg-restarts=${c.postgresRestarts} --in-flight=${c.inFlight} --timeout-deadline=${c.timeoutDeadlineMs / 1000} --kill-switch-races=${c.killSwitchRaces}`,
    `machine: ${os.availableParallelism()} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `actions ${c.actions}: set-up ${seconds(r.setupMs)}, run ${seconds(r.runMs)} (${(c.actions / (r.runMs / 1000)).toFixed(2)} actions/s), checks ${seconds(r.checkMs)}`,
    `chaos: ${kills} worker SIGKILLs (${r.chaos.workerProcessesStarted} worker processes started in all), Temporal restarts ${restarts('temporal-restart')}, PostgreSQL restarts ${restarts('postgres-restart')}`,
    `client: ${r.client.submitRetries} submit retries, ${r.client.decisions} decisions in ${r.client.decisionAttempts} attempts, ${r.client.failedDbPolls} failed database polls`,
    `temporal: ${r.temporal.retriedActivities} activities finished on a later attempt, ${r.temporal.workflowTaskTimeouts} workflow task timeouts, workflow task failures ${JSON.stringify(r.temporal.workflowTaskFailures)}`,
    `budgets: ${r.budgets.perAgent} per agent, tenant ${r.budgets.tenant} (spent ${r.budgets.tenantSpent ?? '0.00'}); ${r.budgets.refusedForMoney} refunds refused for money`,
    r.races
      ? `kill switch races: ${r.races.rounds} rounds (${r.races.withKill} with a worker SIGKILLed mid-decision), ${r.races.startedBeforeSwitch} started before the switch, outcomes ${JSON.stringify(r.races.outcomes)}`
      : 'kill switch races: none',
    r.slack
      ? `slack: ${r.slack.messagesChecked} approval messages checked against the outcomes (${r.slack.actionsWithApprovals} actions with an approval, ${r.slack.neverPosted} closed before the notifier posted them)`
      : 'slack: not checked',
    'outcomes by route:',
    ...Object.entries(r.outcomes).map(
      ([route, counts]) =>
        `  ${route.padEnd(12)} ${Object.entries(counts)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')}`,
    ),
  ];
  if (r.violations.length > 0) {
    lines.push('violations (first 30):');
    for (const v of r.violations.slice(0, 30)) lines.push(`  [${v.invariant}]${v.actionId ? ` ${v.actionId}:` : ''} ${v.detail}`);
  } else {
    lines.push(
      "invariants: every action in exactly one terminal state; no tool run twice; no run without a matching approval; the audit log's classification is the one acted on; budgets never overspent and settled; audit chain verifies and holds every step; every Slack approval message shows the recorded outcome, without buttons: all held",
    );
  }
  if (r.keptDirs.length > 0) lines.push(`data kept in: ${r.keptDirs.join(' ')}`);
  return lines.join('\n');
}
