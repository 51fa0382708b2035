import { Axes } from './axes.js';
import { band, frame, niceTicks, yOf } from './scale.js';
import type { ChartBucket, Series } from './series.js';

/** The path through a series' points; a bucket without a value (null) breaks the line instead of dropping it to 0. */
function linePath(points: ({ x: number; y: number } | null)[]): string {
  let path = '';
  let drawing = false;
  for (const point of points) {
    if (!point) {
      drawing = false;
      continue;
    }
    path += `${drawing ? 'L' : 'M'}${point.x.toFixed(1)},${point.y.toFixed(1)}`;
    drawing = true;
  }
  return path;
}

/**
 * Lines over the buckets, server-rendered SVG like StackedBars, with a dot on
 * every value (a lone value between gaps still shows). `top` fixes the axis
 * (rates: 1); otherwise it is a round number above the largest value.
 */
export function LineChart({
  summary,
  series,
  buckets,
  format,
  top: fixedTop,
  steps,
  width,
}: {
  summary: string;
  series: Series[];
  buckets: ChartBucket<number | null>[];
  format: (value: number) => string;
  top?: number;
  /** Tick steps to choose from (DURATION_STEPS for times); default 1, 2 or 5 × 10^n. */
  steps?: readonly number[];
  width?: number;
}) {
  const f = frame(width);
  const ticks = niceTicks(fixedTop ?? Math.max(0, ...buckets.flatMap((b) => b.values.map((v) => v ?? 0))), 4, steps);
  const top = ticks.at(-1) ?? 1;
  return (
    <svg viewBox={`0 0 ${f.width} ${f.height}`} role="img" aria-label={summary} className="chart">
      <Axes frame={f} ticks={ticks} format={format} labels={buckets.map((b) => b.label)} />
      {series.map((s, j) => {
        const points = buckets.map((b, i) => {
          const value = b.values[j];
          return value === null || value === undefined ? null : { x: band(f, i, buckets.length).centre, y: yOf(f, value, top), name: b.name };
        });
        return (
          <g key={s.key} className={`line tone-${s.tone}${s.dashed ? ' dashed' : ''}`}>
            <path d={linePath(points)} />
            {points.map((p) => (p ? <circle key={p.name} cx={p.x} cy={p.y} r={3} /> : null))}
          </g>
        );
      })}
    </svg>
  );
}
