import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { DEFAULT_RETRY, retryDelayMs, WEBHOOK_EVENT_BODIES, WEBHOOK_EVENT_TYPES, WebhookDeliveryHeaders } from '@airlock/webhooks';
import { z } from 'zod';
import type { ApiRoute } from './api-route.js';
import { ErrorBody } from './schemas.js';
import { CreatedWebhookView, CreateWebhookBody, DeliveryList, DeliveryQuery, DeliveryView, WebhookList, WebhookRemoved } from './webhook-schemas.js';

const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });

/** Outbound webhook subscriptions and their delivery log (admin; each write is one audit row). */
export function webhookRoutes(): ApiRoute[] {
  const security = [{ apiKey: [] }];
  const admin = { 401: json(ErrorBody, 'Missing, unknown or revoked API key'), 403: json(ErrorBody, 'Not a user key, or the role is below admin (audited)') };
  const write = {
    400: json(ErrorBody, 'Invalid body; `issues` names each field'),
    ...admin,
    404: json(ErrorBody, 'No such webhook or delivery'),
    409: json(ErrorBody, 'The webhook was removed'),
  };
  const id = (what: string) => ({ params: z.object({ id: z.string().meta({ description: what }) }) });
  return [
    {
      method: 'get',
      path: '/api/v1/webhooks',
      handler: 'management/webhooks#getWebhooks',
      access: { users: 'admin', audited: 'webhook.list' },
      summary: 'Webhook subscriptions, never their secrets (admin)',
      security,
      responses: { 200: json(WebhookList, 'Active first, newest first'), ...admin },
    },
    {
      method: 'post',
      path: '/api/v1/webhooks',
      handler: 'management/webhooks#postWebhook',
      access: { users: 'admin', audited: 'webhook.create' },
      summary: 'Subscribe a URL to action lifecycle events (Standard Webhooks, signed); the secret is shown once (admin)',
      security,
      request: { body: { required: true, content: { 'application/json': { schema: CreateWebhookBody } } } },
      responses: { 201: json(CreatedWebhookView, 'Subscribed; deliveries start with the next event'), ...write },
    },
    {
      method: 'delete',
      path: '/api/v1/webhooks/{id}',
      handler: 'management/webhooks#deleteWebhook',
      access: { users: 'admin', audited: 'webhook.remove' },
      summary: 'Remove a subscription; its queued deliveries are cancelled, its log stays (admin)',
      security,
      request: id('webhook id'),
      responses: { 200: json(WebhookRemoved, 'Removed (a repeat changes nothing)'), ...write },
    },
    {
      method: 'get',
      path: '/api/v1/webhooks/deliveries',
      handler: 'management/webhooks#getDeliveries',
      access: { users: 'admin', audited: 'webhook.deliveries' },
      summary: 'The delivery log: each event per subscription with its attempts and last answer (admin)',
      security,
      request: { query: DeliveryQuery },
      responses: { 200: json(DeliveryList, 'Newest first'), 400: write[400], ...admin },
    },
    {
      method: 'post',
      path: '/api/v1/webhooks/deliveries/{id}/replay',
      handler: 'management/webhooks#postReplay',
      access: { users: 'admin', audited: 'webhook.replay' },
      summary: 'Send an event again, as a new delivery with the same webhook-id (admin)',
      security,
      request: id('delivery id'),
      responses: { 202: json(DeliveryView, 'Queued'), ...write },
    },
  ];
}

type OpenAPIDefinitions = OpenAPIRegistry['definitions'][number];

/** The default retry schedule in words, from the dispatcher's own numbers (AIRLOCK_WEBHOOKS_RETRY_BASE_MS moves the first wait). */
function retrySchedule(): string {
  const { baseDelayMs, maxDelayMs, maxAttempts } = DEFAULT_RETRY;
  const waits = Array.from({ length: maxAttempts - 1 }, (_, i) => retryDelayMs(DEFAULT_RETRY, i + 1));
  const hours = waits.reduce((sum, ms) => sum + ms, 0) / 3_600_000;
  return `${baseDelayMs / 1000} s doubling (±20% jitter) to a ${maxDelayMs / 3_600_000} h cap, ${maxAttempts} attempts over about ${hours.toFixed(1)} h by default`;
}

/** What a 429/503's `Retry-After` does (packages/webhooks/src/retry-after.ts), capped at the schedule's longest wait. */
function retryAfterRule(): string {
  return `a failed attempt, retried; its \`Retry-After\` (seconds or an HTTP date) makes the next attempt wait at least that long, never less than the schedule's wait, at most ${DEFAULT_RETRY.maxDelayMs / 3_600_000} h`;
}

const RECEIVER_ANSWERS: Record<string, ResponseConfig> = {
  '2XX': { description: 'Delivered, as soon as the status line arrives (the body is never read: answer with an empty one)' },
  '410': {
    description:
      'Gone: this delivery is failed at once, with no more retries (`webhook.delivery_failed` is audited); the subscription stays, so the next event is still sent. To stop deliveries, remove the subscription',
  },
  '429': { description: `Too Many Requests: ${retryAfterRule()}` },
  '503': { description: `Service Unavailable: ${retryAfterRule()}` },
  default: {
    description: `Anything else (3xx: redirects are not followed; 4xx; 5xx; no answer within 10 s) is a failed attempt, retried with exponential backoff: ${retrySchedule()}; then failed (a replay sends it again)`,
  },
};

/**
 * The requests Airlock makes to a subscribed URL (OpenAPI 3.1 `webhooks`), one per
 * event type, with the body schemas the event builders are typed by
 * (packages/webhooks/src/payloads.ts) and the Standard Webhooks headers.
 *
 * Each body is also a schema definition: the generator writes components before it
 * walks `webhooks`, so a schema only a webhook refers to would be a dangling $ref.
 * (`registry.register` would need zod extended with `.openapi`; the bodies carry
 * their component name in `.meta({ id })` already.)
 */
export function webhookEventDefinitions(): OpenAPIDefinitions[] {
  return WEBHOOK_EVENT_TYPES.flatMap((type): OpenAPIDefinitions[] => [
    { type: 'schema', schema: WEBHOOK_EVENT_BODIES[type] },
    {
      type: 'webhook',
      webhook: {
        method: 'post',
        path: type,
        summary: `\`${type}\` to each subscription that takes it (docs/WEBHOOKS.md)`,
        description:
          'Signed per Standard Webhooks: verify `webhook-signature` over the raw body before parsing it. At least once: drop duplicates by `webhook-id`. Not in order: order by `data.auditSeq` (as an integer) or, for checkpoints, `data.n`.',
        request: {
          headers: WebhookDeliveryHeaders,
          body: { required: true, content: { 'application/json': { schema: WEBHOOK_EVENT_BODIES[type] } } },
        },
        responses: RECEIVER_ANSWERS,
      },
    },
  ]);
}
