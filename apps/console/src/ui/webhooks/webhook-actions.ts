'use server';

import { createWebhook, removeWebhook, replayDelivery, runUseCase } from '@airlock/ops';
import { failed, type Notice } from '../forms/notice.js';
import { operatorAction } from '../forms/operator-action.js';
import { apiContext } from '../../api/runtime-context.js';

// The same use cases the REST handlers and the CLI call; each checks the role and audits.

export async function addWebhook(_previous: Notice, form: FormData): Promise<Notice> {
  const url = form.get('url');
  const description = form.get('description');
  const events = form.getAll('events').filter((e): e is string => typeof e === 'string');
  return operatorAction('Add', async (operator) => {
    const { webhook, secret } = await runUseCase(apiContext(), operator, createWebhook, {
      url: typeof url === 'string' ? url : '',
      events,
      ...(typeof description === 'string' && description.trim() ? { description } : {}),
    });
    // Shown like a minted API key: in a read-only field that selects itself for copying, not inside a sentence.
    return {
      message: `Added ${webhook.id}. Signing secret, shown only now: copy it into the receiver’s configuration to verify deliveries.`,
      secret: { label: `Signing secret for ${webhook.id}`, value: secret },
    };
  });
}

export async function removeWebhookAction(_previous: Notice, form: FormData): Promise<Notice> {
  const webhookId = form.get('webhookId');
  if (typeof webhookId !== 'string' || !webhookId) return failed('Not removed: the form named no webhook.');
  return operatorAction('Remove', async (operator) => {
    const { changed, cancelledDeliveries, inFlightDeliveries } = await runUseCase(apiContext(), operator, removeWebhook, { webhookId });
    if (!changed) return `${webhookId} was already removed.`;
    const inFlight = inFlightDeliveries > 0 ? ` ${inFlightDeliveries} already being sent: the delivery log will show their answer, or that it is unknown if none is recorded.` : '';
    return `Removed ${webhookId}; ${cancelledDeliveries} queued deliveries cancelled.${inFlight}`;
  });
}

export async function replayDeliveryAction(_previous: Notice, form: FormData): Promise<Notice> {
  const deliveryId = form.get('deliveryId');
  if (typeof deliveryId !== 'string' || !deliveryId) return failed('Not replayed: the form named no delivery.');
  return operatorAction('Replay', async (operator) => {
    const replay = await runUseCase(apiContext(), operator, replayDelivery, { deliveryId });
    return `Queued ${replay.eventType} again for ${replay.webhookId}.`;
  });
}
