import type { AnalyticsReport } from '../report.js';
import { rate } from '../requests.js';
import { count, duration, percent } from './format.js';

/** The window in five numbers, above the charts. */
export function HeadlineFigures({ report }: { report: AnalyticsReport }) {
  const { total } = report.requests;
  const { overall } = report.decisionTime;
  const figures: [string, string][] = [
    ['Requests', count(total.total)],
    ['Auto-approved', percent(rate(total.autoApproved, total.total))],
    ['Guardrail flagged', percent(rate(total.guardrailFlagged, total.total))],
    ['Time to decision p50 / p95', overall.decided ? `${duration(overall.p50)} / ${duration(overall.p95)}` : '–'],
    ['Approvers flagged', count(report.approvers.flagged)],
  ];
  return (
    <dl className="figures">
      {figures.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
