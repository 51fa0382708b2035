import { describe, expect, it, onTestFailed } from 'vitest';
import { DEFAULTS } from './config.js';
import { formatReport } from './report.js';
import { runSoak } from './soak.js';

// The soak (`npm run soak`, 1,000 actions) in miniature for every CI run: 60
// actions across two worker processes, one SIGKILLed worker, one Temporal dev
// server restart and one PostgreSQL crash-restart, then every invariant. A
// fixed seed keeps the workload and the chaos schedule the same each run
// (AIRLOCK_SOAK_SEED picks another); the machine's timing still varies.
// Then the Slack app's last message of every approval must show the recorded outcome.
// It ends when the actions do: the longest waits are a killed worker's tool
// (retried within its 10 s heartbeat timeout) and the 8 s approval deadlines.

describe('soak in miniature', () => {
  it('keeps every invariant through a worker kill, a Temporal restart and a PostgreSQL restart', async () => {
    const lines: string[] = [];
    onTestFailed(() => console.error(lines.join('\n')));
    const report = await runSoak(
      {
        ...DEFAULTS,
        seed: Number(process.env.AIRLOCK_SOAK_SEED ?? 20261122),
        actions: 60,
        killEveryMs: 4_000,
        maxKills: 1,
        inFlight: 12,
        timeoutDeadlineMs: 8_000,
        maxRunMs: 4 * 60_000,
        killSwitchRaces: 3,
      },
      (line) => lines.push(line),
    );
    lines.push(formatReport(report));
    expect(report.violations).toEqual([]);
    // The Slack check compared real messages (the approvals the notifier posted before they closed).
    expect(report.slack?.messagesChecked).toBeGreaterThan(0);
    const kinds = report.chaos.events.map((e) => e.kind).sort();
    expect(kinds).toEqual(['postgres-restart', 'temporal-restart', 'worker-kill']);
  }, 600_000);
});
