import { table } from './table.js';

/** One target of issue 14 against what this run measured. */
export interface TargetCheck {
  target: string;
  measured: string;
  goal: string;
  /** null: this run could not measure it (a channel not timed, fewer workflows than the target names). */
  met: boolean | null;
  note?: string;
}

const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? 'MET' : 'MISSED');

/** The one "Targets" table every part prints. */
export function formatTargets(checks: readonly TargetCheck[]): string {
  const rows = checks.map((c) => [c.target, c.measured, c.goal, verdict(c.met), c.note ?? '']);
  return ['Targets (issue 14)', table(['target', 'measured', 'goal', 'status', 'note'], rows, [0, 3, 4])].join('\n');
}

export const DECISION_TARGET = { p50Ms: 25, p99Ms: 100 } as const;

/** Decision → tool body start, p50 and p99, against the decision target. */
export function decisionTargets(label: string, s: { p50: number; p99: number; n: number }, note?: string): TargetCheck[] {
  const measured = s.n > 0;
  return [
    {
      target: `decision -> tool start p50, ${label}`,
      measured: measured ? `${s.p50.toFixed(1)} ms` : '-',
      goal: `<= ${DECISION_TARGET.p50Ms} ms`,
      met: measured ? s.p50 <= DECISION_TARGET.p50Ms : null,
      ...(note ? { note } : {}),
    },
    {
      target: `decision -> tool start p99, ${label}`,
      measured: measured ? `${s.p99.toFixed(1)} ms` : '-',
      goal: `<= ${DECISION_TARGET.p99Ms} ms`,
      met: measured ? s.p99 <= DECISION_TARGET.p99Ms : null,
      ...(note ? { note } : {}),
    },
  ];
}
