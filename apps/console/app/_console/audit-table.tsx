import type { AuditEvent } from '@airlock/db';
import Link from 'next/link';

/** Audit rows in seq order; `showAction` adds a link to each row's action. */
export function AuditTable({ events, showAction = false, caption }: { events: AuditEvent[]; showAction?: boolean; caption: string }) {
  return (
    <table className="audit">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Seq</th>
          <th scope="col">Time (UTC)</th>
          <th scope="col">Type</th>
          <th scope="col">Actor</th>
          {showAction && <th scope="col">Action</th>}
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.seq.toString()} id={`seq-${e.seq.toString()}`}>
            <td className="mono">{e.seq.toString()}</td>
            <td className="mono">{e.createdAt.toISOString().slice(0, 19).replace('T', ' ')}</td>
            <td>{e.type}</td>
            <td className="mono">{e.actor}</td>
            {showAction && <td className="mono">{e.actionId ? <Link href={`/actions/${e.actionId}`}>{e.actionId.slice(0, 12)}…</Link> : '—'}</td>}
            <td>
              <details>
                <summary>payload</summary>
                <pre>{JSON.stringify(e.payload, null, 2)}</pre>
              </details>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
