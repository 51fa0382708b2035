import Link from 'next/link';
import { AuditFilters, auditPage, auditSearch } from '../../../src/ui/audit/query.js';
import { requirePageUser } from '../../../src/ui/auth/session.js';
import { apiContext } from '../../../src/api/runtime-context.js';
import { AuditTable } from '../../../src/ui/audit/audit-table.js';
import { VerifyChain } from '../../../src/ui/audit/verify-chain.js';

export const dynamic = 'force-dynamic';

const dateInput = (d: Date | undefined) => d?.toISOString().slice(0, 16) ?? '';

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageUser();
  const filters = AuditFilters.parse(await searchParams);
  const { events, olderCursor } = await auditPage(apiContext().db, filters);
  const { before: _cursor, ...kept } = filters;
  return (
    <>
      <div className="page-head">
        <h1>Audit log</h1>
        <VerifyChain />
      </div>
      <form className="filters" aria-label="Filter the audit log">
        <Field name="action" label="Action id" value={filters.action} />
        <Field name="agent" label="Agent" value={filters.agent} />
        <Field name="actor" label="Actor (e.g. user:alice)" value={filters.actor} />
        <Field name="type" label="Type (e.g. approval.decision)" value={filters.type} />
        <Field name="from" label="From (UTC)" value={dateInput(filters.from)} type="datetime-local" />
        <Field name="to" label="To (UTC)" value={dateInput(filters.to)} type="datetime-local" />
        <button type="submit">Apply</button>
        <Link href="/audit">Clear</Link>
      </form>
      <p>
        Export this view: <a href={`/api/console/audit/export${auditSearch(kept, { format: 'csv' })}`}>CSV</a> ·{' '}
        <a href={`/api/console/audit/export${auditSearch(kept, { format: 'jsonl' })}`}>JSON Lines</a>
      </p>
      {events.length === 0 ? (
        <div className="card empty">
          <p>No audit events match these filters.</p>
        </div>
      ) : (
        <AuditTable events={events} showAction caption="Audit events, newest first" />
      )}
      <nav aria-label="Pages" className="pager">
        {filters.before && <Link href={`/audit${auditSearch(kept)}`}>Newest</Link>}
        {olderCursor && <Link href={`/audit${auditSearch(kept, { before: olderCursor })}`}>Older →</Link>}
      </nav>
    </>
  );
}

function Field({ name, label, value, type = 'text' }: { name: string; label: string; value: string | undefined; type?: string }) {
  return (
    <div className="field">
      <label htmlFor={`audit-${name}`}>{label}</label>
      <input id={`audit-${name}`} name={name} type={type} defaultValue={value ?? ''} />
    </div>
  );
}
