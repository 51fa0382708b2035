/**
 * The coordinate system of one chart. The SVG scales to its box with CSS, so the
 * viewBox width is chosen near the width it is shown at: text then stays about
 * 12 px whether a chart spans the page or sits in a two-column grid.
 */
export interface Frame {
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
}

export const WIDE = 720;
export const NARROW = 440;

export function frame(width: number = WIDE, height = 220): Frame {
  const margin = { top: 12, right: 12, bottom: 30, left: 56 };
  return { width, height, plot: { x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom } };
}

/** Seconds that read well on a time axis: 30 s, 5 min, 1 h, rather than 1 min 40 s. */
export const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400] as const;

/**
 * Ticks from 0 to a round number at or above `max`, about `count` of them:
 * the smallest of `steps` that fits, else 1, 2 or 5 × 10^n.
 */
export function niceTicks(max: number, count = 4, steps?: readonly number[]): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = steps?.find((s) => s >= rough) ?? ([1, 2, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const top = Math.ceil(max / step) * step;
  return Array.from({ length: Math.round(top / step) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** The y of a value on an axis from 0 to `top`. */
export const yOf = (f: Frame, value: number, top: number): number => f.plot.y + f.plot.height - (top > 0 ? (value / top) * f.plot.height : 0);

/** The band of bucket `i` of `n`: its left edge, width and centre. */
export function band(f: Frame, i: number, n: number): { x: number; width: number; centre: number } {
  const width = f.plot.width / n;
  const x = f.plot.x + i * width;
  return { x, width, centre: x + width / 2 };
}

/** Which bucket labels fit under the axis: every k-th, about one per 80 units of width. */
export const labelEvery = (f: Frame, n: number): number => Math.max(1, Math.ceil(n / Math.floor(f.plot.width / 80)));
