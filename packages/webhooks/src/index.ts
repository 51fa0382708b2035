// Signed outbound webhooks (Standard Webhooks) for the action lifecycle: events
// derived from the audit log, a durable outbox, and the worker's dispatcher.
export { WEBHOOK_EVENT_TYPES, WebhookEventType, webhookEventsOf, checkpointWebhookEvent, subscribedTo, type WebhookEvent, type LifecycleAuditRow } from './events.js';
export { WebhookUrl, vetTarget, RefusedTargetError, type HostResolver, type ResolvedAddress, type TargetPolicy } from './target.js';
export { newWebhookSecret, signedHeaders } from './signing.js';
export { newWebhookId, newDeliveryId, WEBHOOK_ID_PATTERN, DELIVERY_ID_PATTERN, EVENT_ID_PATTERN } from './ids.js';
export { deriveDeliveries, lockOutboxCursorIn, subscriptionStartIn, WEBHOOK_CURSOR, CHECKPOINT_WEBHOOK_CURSOR } from './outbox.js';
export { WebhookDispatcher, DEFAULT_RETRY, retryDelayMs, type DispatcherOptions, type DispatcherLogger, type RetryPolicy } from './dispatcher.js';
export { auditedWebhookUrl, type AuditedWebhookUrl } from './audited-url.js';
export { WEBHOOK_EVENT_BODIES, WEBHOOK_EVENT_DATA, WebhookDeliveryHeaders, type WebhookEventDataOf } from './payloads.js';
