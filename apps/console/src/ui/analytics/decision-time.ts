import type { Db } from '@airlock/db';
import { analyticsQuery, fillBuckets, rangeParams } from './sql.js';
import type { AnalyticsRange } from './window.js';

/** Time from an approval round opening to its final decision, in seconds. */
export interface DecisionTimes {
  decided: number;
  p50: number | null;
  p95: number | null;
}

export interface DecisionTimeBucket {
  start: Date;
  times: DecisionTimes;
}

interface Row {
  bucket: Date | null;
  decided: number;
  p50: number | null;
  p95: number | null;
}

/**
 * Rounds closed by people (approved or denied; expired and cancelled rounds had
 * no decision), by the bucket the decision fell in. `closed_at` is the final
 * decision: the one that met the quorum, or the deny that ended it. The empty
 * grouping set adds the whole window's percentiles (percentiles do not add up
 * from buckets) in the same scan.
 */
const SQL = `
  SELECT date_bin($3::interval, closed_at, $1) AS bucket,
         count(*)::int AS decided,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at))::float8 AS p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at))::float8 AS p95
    FROM approvals
   WHERE closed_at >= $1 AND closed_at < $2 AND status IN ('approved', 'denied')
   GROUP BY GROUPING SETS ((1), ())`;

const none = (): DecisionTimes => ({ decided: 0, p50: null, p95: null });

export async function decisionTimes(db: Db, range: AnalyticsRange): Promise<{ overall: DecisionTimes; buckets: DecisionTimeBucket[] }> {
  const rows = await analyticsQuery<Row>(db, SQL, rangeParams(range));
  const overall = rows.find((r) => r.bucket === null);
  const bucketed = rows.filter((r): r is Row & { bucket: Date } => r.bucket !== null);
  const times = (r: Row): DecisionTimes => ({ decided: r.decided, p50: r.p50, p95: r.p95 });
  return {
    overall: overall ? times(overall) : none(),
    buckets: fillBuckets(range, bucketed, times, none).map(({ start, value }) => ({ start, times: value })),
  };
}
