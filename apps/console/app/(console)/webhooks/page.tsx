import { listDeliveries, listWebhooks } from '@airlock/ops';
import { WEBHOOK_EVENT_TYPES } from '@airlock/webhooks';
import Link from 'next/link';
import { requirePageUser } from '../../../src/ui/auth/session.js';
import { apiContext } from '../../../src/api/runtime-context.js';
import { AddWebhookForm, RemoveWebhookForm, ReplayDeliveryForm } from '../../../src/ui/webhooks/webhook-forms.js';
import { DataTable } from '../../../src/ui/shared/data-table.js';

export const dynamic = 'force-dynamic';

const at = (date: Date | null) => (date ? `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '');

export default async function WebhooksPage() {
  await requirePageUser('admin');
  const { db } = apiContext();
  const [webhooks, deliveries] = await Promise.all([listWebhooks(db), listDeliveries(db, { limit: 100 })]);
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
              <td>{w.events.length ? w.events.map((e) => <code key={e}>{e} </code>) : <em>all</em>}</td>
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
        <DataTable columns={['Queued', 'Event', 'Action', 'Webhook', 'Status', 'Attempts', 'Last answer', '']} rows={deliveries} empty="Nothing delivered yet.">
          {(d) => (
            <tr key={d.id} data-delivery={d.id}>
              <td>{at(d.createdAt)}</td>
              <td>
                <code>{d.eventType}</code>
                {d.replayOf && <span className="muted"> (replay)</span>}
              </td>
              <td className="mono">{d.actionId ? <Link href={`/actions/${encodeURIComponent(d.actionId)}`}>{d.actionId.slice(0, 18)}…</Link> : ''}</td>
              <td className="mono">{d.webhookId}</td>
              <td>
                <span className={`tier ${d.status === 'delivered' ? 'tier-low' : d.status === 'failed' ? 'tier-critical' : 'tier-medium'}`}>{d.status}</span>
                {d.nextAttemptAt && <div className="muted">next try {at(d.nextAttemptAt)}</div>}
              </td>
              <td className="mono">{d.attempts}</td>
              <td className="mono">{d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '')}</td>
              <td>{active.has(d.webhookId) && d.status !== 'pending' && <ReplayDeliveryForm deliveryId={d.id} label={`${d.eventType} to ${d.webhookId}`} />}</td>
            </tr>
          )}
        </DataTable>
      </section>
    </>
  );
}
