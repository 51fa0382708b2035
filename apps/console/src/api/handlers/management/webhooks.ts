import { createWebhook, listDeliveries, listWebhooks, removeWebhook, replayDelivery, runUseCase } from '@airlock/ops';
import { operatorRoute } from '../../operator-route.js';
import { queryParams } from '../../request.js';

/** GET /api/v1/webhooks (admin): subscriptions, never their secrets. */
export const getWebhooks = operatorRoute('management/webhooks#getWebhooks', async (ctx) => ({ webhooks: await listWebhooks(ctx.db) }), { body: false });

/** POST /api/v1/webhooks (admin): the signing secret is in this answer only. */
export const postWebhook = operatorRoute('management/webhooks#postWebhook', (ctx, operator, body) => runUseCase(ctx, operator, createWebhook, body), { status: 201 });

/** DELETE /api/v1/webhooks/:id (admin). */
export const deleteWebhook = operatorRoute<{ id: string }>(
  'management/webhooks#deleteWebhook',
  (ctx, operator, _body, { id }) => runUseCase(ctx, operator, removeWebhook, { webhookId: id }),
  { body: false },
);

/** GET /api/v1/webhooks/deliveries?webhookId=&status=&eventId=&limit= (admin): the delivery log, newest first. */
export const getDeliveries = operatorRoute(
  'management/webhooks#getDeliveries',
  async (ctx, _operator, _body, _params, request) => {
    return { deliveries: await listDeliveries(ctx.db, queryParams(request)) };
  },
  { body: false },
);

/** POST /api/v1/webhooks/deliveries/:id/replay (admin): the event again, as a new delivery. */
export const postReplay = operatorRoute<{ id: string }>(
  'management/webhooks#postReplay',
  (ctx, operator, _body, { id }) => runUseCase(ctx, operator, replayDelivery, { deliveryId: id }),
  {
    status: 202,
    body: false,
  },
);
