import { Axes } from './axes.js';
import { band, frame, niceTicks, yOf } from './scale.js';
import type { ChartBucket, Series } from './series.js';

/**
 * Bars stacked per bucket, drawn on the server as plain SVG: no client script,
 * nothing to hydrate. The SVG is one image to assistive technology (`summary`
 * is its name); the figure's table carries every number, so the bars carry no
 * tooltips (each would add an element per bar to every page render).
 */
export function StackedBars({
  summary,
  series,
  buckets,
  format,
  width,
}: {
  summary: string;
  series: Series[];
  buckets: ChartBucket<number>[];
  format: (value: number) => string;
  width?: number;
}) {
  const f = frame(width);
  const ticks = niceTicks(Math.max(0, ...buckets.map((b) => b.values.reduce((sum, v) => sum + v, 0))));
  const top = ticks.at(-1) ?? 1;
  return (
    <svg viewBox={`0 0 ${f.width} ${f.height}`} role="img" aria-label={summary} className="chart">
      <Axes frame={f} ticks={ticks} format={format} labels={buckets.map((b) => b.label)} />
      {buckets.map((bucket, i) => {
        const { x, width: bandWidth } = band(f, i, buckets.length);
        let base = 0;
        return (
          <g key={bucket.name}>
            {series.map((s, j) => {
              const value = bucket.values[j] ?? 0;
              if (value <= 0) return null;
              const y = yOf(f, base + value, top);
              const height = yOf(f, base, top) - y;
              base += value;
              return <rect key={s.key} x={x + bandWidth * 0.15} width={bandWidth * 0.7} y={y} height={height} className={`bar tone-${s.tone}`} />;
            })}
          </g>
        );
      })}
    </svg>
  );
}
