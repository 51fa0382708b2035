import type { ReactNode } from 'react';

interface Props<T> {
  /** The column headings, in order; a heading only screen readers need is a `sr-only` span. */
  columns: readonly ReactNode[];
  rows: readonly T[];
  /** Said (muted) instead of a table with no rows; without it an empty table is drawn. */
  empty?: string;
  /** The table's accessible name, where its heading does not give one. */
  label?: string;
  /** A caption only screen readers hear. */
  caption?: string;
  /** One `<tr>` (with its key) per row. */
  children: (row: T) => ReactNode;
}

/** The console's tables: one row per item under column headings, or a line saying there are none. */
export function DataTable<T>({ columns, rows, empty, label, caption, children }: Props<T>) {
  if (rows.length === 0 && empty !== undefined) return <p className="muted">{empty}</p>;
  return (
    // In a box of its own that scrolls sideways: a wide table on a narrow screen never widens the page.
    <div className="scroll-x">
      <table aria-label={label}>
        {caption !== undefined && <caption className="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column, i) => (
              // Headings are fixed per table, so their position is their identity.
              <th key={i} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{rows.map((row) => children(row))}</tbody>
      </table>
    </div>
  );
}
