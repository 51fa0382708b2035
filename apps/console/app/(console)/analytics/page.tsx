import { ANALYTICS_FRESH_SECONDS, cachedAnalyticsReport } from '../../../src/ui/analytics/cache.js';
import { ANALYTICS_WINDOWS, AnalyticsWindowParam } from '../../../src/ui/analytics/window.js';
import { requirePageUser } from '../../../src/ui/auth/session.js';
import { apiContext } from '../../../src/api/runtime-context.js';
import { BudgetBurnCharts } from '../../../src/ui/analytics/panels/budget-burn.js';
import { DecisionTimeChart } from '../../../src/ui/analytics/panels/decision-time-chart.js';
import { bucketName } from '../../../src/ui/analytics/panels/format.js';
import { HeadlineFigures } from '../../../src/ui/analytics/panels/headline-figures.js';
import { RatesChart } from '../../../src/ui/analytics/panels/rates-chart.js';
import { RequestsChart } from '../../../src/ui/analytics/panels/requests-chart.js';
import { RubberStampTable } from '../../../src/ui/analytics/panels/rubber-stamp-table.js';
import { WindowPicker } from '../../../src/ui/analytics/panels/window-picker.js';

export const dynamic = 'force-dynamic';

export default async function AnalyticsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageUser();
  const selected = AnalyticsWindowParam.parse((await searchParams).window);
  const { report, computedAt } = await cachedAnalyticsReport(apiContext().db, selected);
  const { range, requests, decisionTime } = report;
  const last = new Date(range.to.getTime() - 1);
  return (
    <>
      <div className="page-head">
        <h1>Analytics</h1>
        <WindowPicker current={selected} />
      </div>
      <p className="muted">
        {ANALYTICS_WINDOWS[selected].label}: from {bucketName(range.from, range.bucket)} to the end of {bucketName(last, range.bucket)} (UTC), by {range.bucket}. The last{' '}
        {range.bucket} is still filling. Computed at {computedAt.toISOString().slice(11, 19)} UTC; figures are recomputed at most once every {ANALYTICS_FRESH_SECONDS} seconds.
      </p>
      <HeadlineFigures report={report} />

      <section aria-labelledby="requests-heading">
        <h2 id="requests-heading">Requests</h2>
        {requests.total.total === 0 ? (
          <p className="card empty">No agent asked for anything in this window.</p>
        ) : (
          <>
            <RequestsChart range={range} buckets={requests.buckets} total={requests.total} />
            <RatesChart range={range} buckets={requests.buckets} total={requests.total} />
          </>
        )}
      </section>

      <section aria-labelledby="decisions-heading">
        <h2 id="decisions-heading">Decisions</h2>
        {decisionTime.overall.decided === 0 ? (
          <p className="card empty">No approval round was decided by a person in this window.</p>
        ) : (
          <DecisionTimeChart range={range} buckets={decisionTime.buckets} overall={decisionTime.overall} />
        )}
      </section>

      <section aria-labelledby="budgets-heading">
        <h2 id="budgets-heading">Budget burn</h2>
        <p className="muted small">
          Spending counts when a reservation is committed (the amount the tool really cost); money still reserved counts when it was reserved. Released reservations moved nothing.
          Team and tenant budgets cover every agent in them.
        </p>
        <BudgetBurnCharts range={range} budgets={report.budgets} />
      </section>

      <section aria-labelledby="rubber-stamp-heading">
        <h2 id="rubber-stamp-heading">Rubber-stamping</h2>
        <RubberStampTable patterns={report.approvers} />
      </section>
    </>
  );
}
