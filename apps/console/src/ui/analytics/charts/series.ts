/**
 * One plotted quantity. `tone` picks a colour class (`tone-<name>` in console.css,
 * with light and dark values of at least 4.5:1 against the page); `dashed` draws a
 * line dashed, so two lines differ by more than colour.
 */
export interface Series {
  key: string;
  label: string;
  tone: string;
  dashed?: boolean;
}

/** One bucket of a chart: its axis label, its full name (tooltips, tables) and one value per series. */
export interface ChartBucket<Value> {
  label: string;
  name: string;
  values: Value[];
}
