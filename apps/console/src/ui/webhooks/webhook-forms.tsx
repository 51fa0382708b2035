'use client';

import { startTransition, useActionState, useEffect, useRef } from 'react';
import { idle } from '../forms/notice.js';
import { addWebhook, removeWebhookAction, replayDeliveryAction } from './webhook-actions.js';
import { InlineNotice, NoticeView } from '../forms/notice-line.js';

/** Subscribes a URL; the answer carries the signing secret, shown once in a read-only field. */
export function AddWebhookForm({ eventTypes }: { eventTypes: readonly string[] }) {
  const [notice, action, pending] = useActionState(addWebhook, idle);
  const form = useRef<HTMLFormElement>(null);
  // Sent from onSubmit, so React does not reset the form: a refused URL stays to be corrected; an added one clears it.
  useEffect(() => {
    if (notice.kind === 'ok') form.current?.reset();
  }, [notice]);
  return (
    <form
      ref={form}
      action={action}
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        startTransition(() => action(data));
      }}
    >
      <label>
        Receiver URL <input name="url" type="url" required placeholder="https://hooks.example.com/airlock" size={50} />
      </label>
      <fieldset>
        <legend>Events (none ticked = all)</legend>
        {eventTypes.map((type) => (
          <label key={type} className="inline">
            <input type="checkbox" name="events" value={type} /> <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <label>
        Note <input name="description" maxLength={200} placeholder="what listens here" size={40} />
      </label>
      <button type="submit" disabled={pending}>
        Add webhook
      </button>
      <NoticeView notice={notice} />
    </form>
  );
}

export function RemoveWebhookForm({ webhookId, url }: { webhookId: string; url: string }) {
  const [notice, action, pending] = useActionState(removeWebhookAction, idle);
  return (
    <form
      action={action}
      onSubmit={(event) => {
        if (!window.confirm(`Remove the webhook to ${url}? Nothing more is sent to it.`)) event.preventDefault();
      }}
    >
      <input type="hidden" name="webhookId" value={webhookId} />
      <button type="submit" className="deny" disabled={pending} aria-label={`Remove webhook ${webhookId}`}>
        Remove
      </button>
      <InlineNotice notice={notice} />
    </form>
  );
}

export function ReplayDeliveryForm({ deliveryId, label }: { deliveryId: string; label: string }) {
  const [notice, action, pending] = useActionState(replayDeliveryAction, idle);
  return (
    <form action={action}>
      <input type="hidden" name="deliveryId" value={deliveryId} />
      <button type="submit" disabled={pending} aria-label={`Replay ${label}`}>
        Replay
      </button>
      <InlineNotice notice={notice} />
    </form>
  );
}
