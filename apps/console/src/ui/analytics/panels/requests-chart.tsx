import { REQUEST_STATUSES, type RequestBucket, type RequestCounts, type RequestStatus } from '../requests.js';
import type { AnalyticsRange } from '../window.js';
import { ChartFigure } from '../charts/chart-figure.js';
import type { Series } from '../charts/series.js';
import { StackedBars } from '../charts/stacked-bars.js';
import { bucketAt, bucketHeading, bucketName, count } from './format.js';

const STATUS_SERIES: Record<RequestStatus, Series> = {
  executed: { key: 'executed', label: 'Executed', tone: 'executed' },
  denied: { key: 'denied', label: 'Denied', tone: 'denied' },
  expired: { key: 'expired', label: 'Expired', tone: 'expired' },
  failed: { key: 'failed', label: 'Failed', tone: 'failed' },
  cancelled: { key: 'cancelled', label: 'Cancelled', tone: 'cancelled' },
  awaiting_approval: { key: 'awaiting_approval', label: 'Awaiting approval', tone: 'awaiting' },
  running: { key: 'running', label: 'Running', tone: 'running' },
  requested: { key: 'requested', label: 'Being admitted', tone: 'requested' },
};

/** Requests per bucket, stacked by where they ended up; statuses that never occurred in the window are left out. */
export function RequestsChart({ range, buckets, total }: { range: AnalyticsRange; buckets: RequestBucket[]; total: RequestCounts }) {
  const present = REQUEST_STATUSES.filter((s) => total.byStatus[s] > 0);
  const series = present.map((s) => STATUS_SERIES[s]);
  const breakdown = present.map((s) => `${count(total.byStatus[s])} ${STATUS_SERIES[s].label.toLowerCase()}`).join(', ');
  return (
    <ChartFigure
      id="requests"
      title={`Requests by outcome, per ${range.bucket}`}
      note="Each request counts in the bucket it was made in, with the status it has now."
      series={series}
      table={{
        rowHeader: bucketHeading(range.bucket),
        columns: ['Total', ...series.map((s) => s.label)],
        rows: buckets.map((b) => ({ name: bucketName(b.start, range.bucket), cells: [count(b.counts.total), ...present.map((s) => count(b.counts.byStatus[s]))] })),
      }}
    >
      <StackedBars
        summary={`Requests by outcome per ${range.bucket}: ${count(total.total)} in all; ${breakdown}.`}
        series={series}
        format={count}
        buckets={buckets.map((b) => ({ ...bucketAt(b.start, range.bucket), values: present.map((s) => b.counts.byStatus[s]) }))}
      />
    </ChartFigure>
  );
}
