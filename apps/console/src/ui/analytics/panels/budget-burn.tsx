import type { BudgetBurn } from '../budget-burn.js';
import type { AnalyticsRange } from '../window.js';
import { ChartFigure } from '../charts/chart-figure.js';
import type { Series } from '../charts/series.js';
import { NARROW } from '../charts/scale.js';
import { StackedBars } from '../charts/stacked-bars.js';
import { bucketAt, bucketHeading, bucketName, money } from './format.js';

const SERIES: Series[] = [
  { key: 'spent', label: 'Spent', tone: 'awaiting' },
  { key: 'reserved', label: 'Still reserved', tone: 'requested' },
];

/** One small chart per budget that moved in the window, the biggest first. */
export function BudgetBurnCharts({ range, budgets }: { range: AnalyticsRange; budgets: BudgetBurn[] }) {
  if (budgets.length === 0) return <p className="card empty">No budgeted money was spent or reserved in this window.</p>;
  return (
    <div className="small-multiples">
      {budgets.map((b) => (
        <ChartFigure
          key={b.budgetId}
          id={`budget-${b.budgetId}`}
          title={`${b.label} (${b.currency})`}
          note={`Limit ${money(b.limit, b.currency)} per ${b.period}. In this window: ${money(b.total.spent, b.currency)} spent, ${money(b.total.reserved, b.currency)} still reserved.`}
          series={SERIES}
          table={{
            rowHeader: bucketHeading(range.bucket),
            columns: ['Spent', 'Still reserved'],
            rows: b.buckets.map((x) => ({ name: bucketName(x.start, range.bucket), cells: [x.amounts.spent, x.amounts.reserved] })),
          }}
        >
          <StackedBars
            width={NARROW}
            summary={`Budget ${b.label}: ${money(b.total.spent, b.currency)} spent and ${money(b.total.reserved, b.currency)} still reserved in the window, per ${range.bucket}.`}
            series={SERIES}
            format={(v) => v.toLocaleString('en-US', { maximumFractionDigits: 2 })}
            buckets={b.buckets.map((x) => ({
              ...bucketAt(x.start, range.bucket),
              values: [Number(x.amounts.spent), Number(x.amounts.reserved)],
            }))}
          />
        </ChartFigure>
      ))}
    </div>
  );
}
