import { createWebhook, listDeliveries, listWebhooks, removeWebhook, replayDelivery, requireRole, runUseCase } from '@airlock/ops';
import { operatorRoute } from '../../operator-route.js';

/** GET /api/v1/webhooks (admin): subscriptions, never their secrets. */
export const getWebhooks = operatorRoute(
  async (ctx, operator) => {
    await requireRole(ctx, operator, 'admin', 'webhook.list');
    return { webhooks: await listWebhooks(ctx.db) };
  },
  { body: false },
);

/** POST /api/v1/webhooks (admin): the signing secret is in this answer only. */
export const postWebhook = operatorRoute((ctx, operator, body) => runUseCase(ctx, operator, createWebhook, body), { status: 201 });

/** DELETE /api/v1/webhooks/:id (admin). */
export const deleteWebhook = operatorRoute<{ id: string }>((ctx, operator, _body, { id }) => runUseCase(ctx, operator, removeWebhook, { webhookId: id }), { body: false });

/** GET /api/v1/webhooks/deliveries?webhookId=&status=&eventId=&limit= (admin): the delivery log, newest first. */
export const getDeliveries = operatorRoute(
  async (ctx, operator, _body, _params, request) => {
    await requireRole(ctx, operator, 'admin', 'webhook.deliveries');
    const query = Object.fromEntries(new URL(request.url).searchParams);
    return { deliveries: await listDeliveries(ctx.db, query) };
  },
  { body: false },
);

/** POST /api/v1/webhooks/deliveries/:id/replay (admin): the event again, as a new delivery. */
export const postReplay = operatorRoute<{ id: string }>((ctx, operator, _body, { id }) => runUseCase(ctx, operator, replayDelivery, { deliveryId: id }), {
  status: 202,
  body: false,
});
