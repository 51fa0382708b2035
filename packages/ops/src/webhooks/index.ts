export { createWebhook, CreateWebhookInput } from './create-webhook.js';
export { removeWebhook, RemoveWebhookInput } from './remove-webhook.js';
export { replayDelivery, ReplayDeliveryInput } from './replay-delivery.js';
export { listWebhooks, listDeliveries, DeliveryQuery } from './list-webhooks.js';
export type { WebhookRecord, CreatedWebhook } from './webhook-row.js';
export type { DeliveryRecord } from './delivery-row.js';
