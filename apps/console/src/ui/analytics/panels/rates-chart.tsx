import { rate, type RequestBucket, type RequestCounts } from '../requests.js';
import type { AnalyticsRange } from '../window.js';
import { ChartFigure } from '../charts/chart-figure.js';
import { LineChart } from '../charts/line-chart.js';
import type { Series } from '../charts/series.js';
import { bucketAt, bucketHeading, bucketName, count, percent } from './format.js';

const SERIES: Series[] = [
  { key: 'auto', label: 'Auto-approved', tone: 'executed' },
  { key: 'guardrail', label: 'Guardrail flagged', tone: 'denied', dashed: true },
];

/** Shares of each bucket's requests: allowed without a person, and flagged by guardrails. */
export function RatesChart({ range, buckets, total }: { range: AnalyticsRange; buckets: RequestBucket[]; total: RequestCounts }) {
  return (
    <ChartFigure
      id="rates"
      title={`Auto-approve and guardrail trigger rates, per ${range.bucket}`}
      note="Auto-approved: ran without any approval round (the policy allowed it, or a standing approval covered it). Guardrail flagged: suspected prompt injection, or PII or a secret found in the arguments. Both as a share of the bucket's requests."
      series={SERIES}
      table={{
        rowHeader: bucketHeading(range.bucket),
        columns: ['Requests', 'Auto-approved', 'Auto-approve rate', 'Guardrail flagged', 'Guardrail rate'],
        rows: buckets.map(({ start, counts: c }) => ({
          name: bucketName(start, range.bucket),
          cells: [count(c.total), count(c.autoApproved), percent(rate(c.autoApproved, c.total)), count(c.guardrailFlagged), percent(rate(c.guardrailFlagged, c.total))],
        })),
      }}
    >
      <LineChart
        summary={`Auto-approve rate ${percent(rate(total.autoApproved, total.total))} and guardrail trigger rate ${percent(rate(total.guardrailFlagged, total.total))} over the window, per ${range.bucket}.`}
        series={SERIES}
        top={1}
        format={percent}
        buckets={buckets.map(({ start, counts: c }) => ({
          ...bucketAt(start, range.bucket),
          values: [rate(c.autoApproved, c.total), rate(c.guardrailFlagged, c.total)],
        }))}
      />
    </ChartFigure>
  );
}
