/** A plain-text table: the `left` columns (by default the first) left-aligned, the rest right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], left: readonly number[] = [0]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => (left.includes(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
export const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');
export const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}x` : '-');
