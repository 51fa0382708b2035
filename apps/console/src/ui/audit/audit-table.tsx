import { AUDIT_EVENTS, parseAuditEvent } from '@airlock/core';
import type { StoredAuditEvent } from '@airlock/db';
import Link from 'next/link';

/** What the table shows of a row (Prisma's rows and the console's queries both fit). */
type AuditTableRow = Pick<StoredAuditEvent, 'seq' | 'createdAt' | 'type' | 'actor' | 'actionId' | 'payload'>;

/** The catalogue's line for the row's type, or why the row is outside the catalogue (shown raw either way). */
function describe(row: AuditTableRow): string {
  const event = parseAuditEvent(row.type, row.payload);
  return event.type === 'legacy' ? `Not described by the audit event catalogue: ${event.problem}` : AUDIT_EVENTS[event.type].when;
}

/** Audit rows in seq order; `showAction` adds a link to each row's action. */
export function AuditTable({ events, showAction = false, caption }: { events: readonly AuditTableRow[]; showAction?: boolean; caption: string }) {
  return (
    <div className="scroll-x">
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
              <td title={describe(e)}>{e.type}</td>
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
    </div>
  );
}
