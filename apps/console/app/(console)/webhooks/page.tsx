import { listWebhooks } from '@airlock/ops';
import { WEBHOOK_EVENT_TYPES } from '@airlock/webhooks';
import Link from 'next/link';
import { requirePageUser } from '../../../src/ui/auth/session.js';
import { apiContext } from '../../../src/api/runtime-context.js';
import { AddWebhookForm, RemoveWebhookForm, ReplayDeliveryForm } from '../../../src/ui/webhooks/webhook-forms.js';
import { DataTable } from '../../../src/ui/shared/data-table.js';
import { deliveryLogFor, type SearchParams } from '../../../src/ui/webhooks/delivery-log-query.js';

export const dynamic = 'force-dynamic';

const at = (date: Date | null) => (date ? `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '');

export default async function WebhooksPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePageUser('admin');
  const { db } = apiContext();
  const [webhooks, log] = await Promise.all([listWebhooks(db), searchParams.then((params) => deliveryLogFor(db, params))]);
  const { deliveries, eventId, refusal } = log;
  const active = new Set(webhooks.filter((w) => !w.removedAt).map((w) => w.id));
  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">
        Signed <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> for the action lifecycle, retried with backoff until the receiver answers 2xx.
      </p>
      <section className="card" aria-labelledby="add-webhook">
        <h2 id="add-webhook">Add a webhook</h2>
        <AddWebhookForm eventTypes={WEBHOOK_EVENT_TYPES} />
      </section>
      <section className="card" aria-labelledby="subscriptions">
        <h2 id="subscriptions">Subscriptions</h2>
        <DataTable columns={['Webhook', 'URL', 'Events', 'State', 'Added', '']} rows={webhooks} empty="None yet.">
          {(w) => (
            <tr key={w.id}>
              <td className="mono">{w.id}</td>
              <td className="mono">
                {w.url}
                {w.description && <div className="muted">{w.description}</div>}
              </td>
              <td>
                {w.events.length ? (
                  w.events.map((e) => (
                    <span key={e}>
                      <code className="event-type">{e}</code>{' '}
                    </span>
                  ))
                ) : (
                  <em>all</em>
                )}
              </td>
              <td>{w.removedAt ? <span className="muted">removed {at(w.removedAt)}</span> : <span className="tier tier-low">active</span>}</td>
              <td>
                {at(w.createdAt)} by {w.createdBy}
              </td>
              <td>{!w.removedAt && <RemoveWebhookForm webhookId={w.id} url={w.url} />}</td>
            </tr>
          )}
        </DataTable>
      </section>
      <section className="card" aria-labelledby="deliveries">
        <h2 id="deliveries">Delivery log</h2>
        {/* A GET form: the filter is in the URL, like REST's `eventId=`, so a filtered log can be linked. */}
        <form className="filters" aria-label="Filter the delivery log" action="/webhooks#deliveries">
          <div className="field">
            <label htmlFor="delivery-event">Event id (the webhook-id header)</label>
            <input
              id="delivery-event"
              name="eventId"
              defaultValue={eventId}
              placeholder="evt_1234_0"
              aria-invalid={refusal ? true : undefined}
              aria-describedby={refusal ? 'delivery-event-refusal' : undefined}
            />
          </div>
          <button type="submit">Filter</button>
          {eventId && <Link href="/webhooks#deliveries">All deliveries</Link>}
        </form>
        {refusal && (
          <p role="alert" id="delivery-event-refusal" className="notice error">
            {refusal}
          </p>
        )}
        <DataTable
          columns={['Queued', 'Event', 'Action', 'Webhook', 'Status', 'Attempts', 'Last answer', '']}
          rows={deliveries}
          empty={refusal ? 'Not filtered: correct the event id.' : eventId ? `No deliveries of ${eventId}.` : 'Nothing delivered yet.'}
        >
          {(d) => (
            <tr key={d.id} data-delivery={d.id}>
              <td>{at(d.createdAt)}</td>
              <td>
                <code className="event-type">{d.eventType}</code>
                {d.replayOf && <span className="muted"> (replay)</span>}
                <div className="mono muted">{d.eventId}</div>
              </td>
              <td className="mono">{d.actionId ? <Link href={`/actions/${encodeURIComponent(d.actionId)}`}>{d.actionId.slice(0, 18)}…</Link> : ''}</td>
              <td className="mono">{d.webhookId}</td>
              <td>
                <span className={`tier ${d.status === 'delivered' ? 'tier-low' : d.status === 'failed' ? 'tier-critical' : 'tier-medium'}`}>{d.status}</span>
                {d.nextAttemptAt && <div className="muted">next try {at(d.nextAttemptAt)}</div>}
              </td>
              <td className="mono">{d.attempts}</td>
              {/* The error when there is one: it says more than the status (410's end, what a Retry-After did to the wait). */}
              <td className="mono">{d.lastError ?? (d.lastStatus !== null ? `HTTP ${d.lastStatus}` : '')}</td>
              <td>{active.has(d.webhookId) && d.status !== 'pending' && <ReplayDeliveryForm deliveryId={d.id} label={`${d.eventType} to ${d.webhookId}`} />}</td>
            </tr>
          )}
        </DataTable>
      </section>
    </>
  );
}
