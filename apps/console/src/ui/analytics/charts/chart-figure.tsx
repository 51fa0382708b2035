import type { ReactNode } from 'react';
import type { Series } from './series.js';

export interface DataTable {
  /** The header of the first column (what a row is: "Hour (UTC)"). */
  rowHeader: string;
  columns: string[];
  rows: { name: string; cells: string[] }[];
}

/**
 * A chart with its title, a legend in words, and the same numbers as a table
 * (collapsed by default) for screen readers, keyboard users and anyone who
 * wants the exact values.
 */
export function ChartFigure({
  id,
  title,
  note,
  series,
  table,
  children,
}: {
  id: string;
  title: string;
  note?: ReactNode;
  series: Series[];
  table: DataTable;
  children: ReactNode;
}) {
  return (
    <figure className="chart-figure" aria-labelledby={`${id}-title`}>
      <figcaption>
        <h3 id={`${id}-title`}>{title}</h3>
        {note && <p className="muted small">{note}</p>}
        <ul className="legend" aria-label="Legend">
          {series.map((s) => (
            <li key={s.key}>
              <span aria-hidden="true" className={`swatch tone-${s.tone}${s.dashed ? ' dashed' : ''}`} />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
      {children}
      <details>
        <summary>Show the numbers</summary>
        <div className="scroll-x">
          <table className="numbers">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{table.rowHeader}</th>
                {table.columns.map((c) => (
                  <th scope="col" key={c}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row) => (
                <tr key={row.name}>
                  <th scope="row">{row.name}</th>
                  {row.cells.map((cell, i) => (
                    <td key={i}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
