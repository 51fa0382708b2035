import { band, labelEvery, yOf, type Frame } from './scale.js';

/** Horizontal grid lines with their values, and the bucket labels under the plot. */
export function Axes({ frame: f, ticks, format, labels }: { frame: Frame; ticks: number[]; format: (value: number) => string; labels: string[] }) {
  const top = ticks.at(-1) ?? 1;
  const every = labelEvery(f, labels.length);
  return (
    <g className="axes">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={f.plot.x} x2={f.plot.x + f.plot.width} y1={yOf(f, t, top)} y2={yOf(f, t, top)} className="grid" />
          <text x={f.plot.x - 6} y={yOf(f, t, top)} dy="0.32em" textAnchor="end">
            {format(t)}
          </text>
        </g>
      ))}
      {labels.map((label, i) =>
        i % every === 0 ? (
          <text key={i} x={band(f, i, labels.length).centre} y={f.height - 10} textAnchor="middle">
            {label}
          </text>
        ) : null,
      )}
    </g>
  );
}
