import type { DecisionTimeBucket, DecisionTimes } from '../decision-time.js';
import type { AnalyticsRange } from '../window.js';
import { ChartFigure } from '../charts/chart-figure.js';
import { LineChart } from '../charts/line-chart.js';
import { DURATION_STEPS } from '../charts/scale.js';
import type { Series } from '../charts/series.js';
import { bucketAt, bucketHeading, bucketName, count, duration, durationTick } from './format.js';

const SERIES: Series[] = [
  { key: 'p50', label: 'Median (p50)', tone: 'awaiting' },
  { key: 'p95', label: '95th percentile (p95)', tone: 'expired', dashed: true },
];

/** How long people took to decide, by the bucket the decision fell in. */
export function DecisionTimeChart({ range, buckets, overall }: { range: AnalyticsRange; buckets: DecisionTimeBucket[]; overall: DecisionTimes }) {
  return (
    <ChartFigure
      id="decision-time"
      title={`Time to decision, per ${range.bucket}`}
      note="From the approval round opening to its final decision: the approval that met the quorum, or the denial. Rounds that timed out or were cancelled had no decision and are left out."
      series={SERIES}
      table={{
        rowHeader: bucketHeading(range.bucket),
        columns: ['Decisions', 'p50', 'p95'],
        rows: buckets.map((b) => ({ name: bucketName(b.start, range.bucket), cells: [count(b.times.decided), duration(b.times.p50), duration(b.times.p95)] })),
      }}
    >
      <LineChart
        summary={`Time to decision per ${range.bucket}: ${count(overall.decided)} decisions, median ${duration(overall.p50)}, 95th percentile ${duration(overall.p95)}.`}
        series={SERIES}
        format={durationTick}
        steps={DURATION_STEPS}
        buckets={buckets.map((b) => ({ ...bucketAt(b.start, range.bucket), values: [b.times.p50, b.times.p95] }))}
      />
    </ChartFigure>
  );
}
