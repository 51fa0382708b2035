import { RiskTier, Role } from '@airlock/core';
import { z } from 'zod';

/*
 * What each delivery's body holds, one schema per event type. The event
 * builders (events.ts) are typed by these schemas, and the REST API's OpenAPI
 * document publishes them under `webhooks` (apps/console/src/api/openapi.ts),
 * so receivers generate types from the shapes the dispatcher sends.
 *
 * Objects are strict: a field the builders add without adding it here fails
 * the typecheck, and a body with a field the document does not list fails
 * test/src/webhooks/openapi-webhooks.test.ts.
 */

const Timestamp = z.string().meta({ description: 'ISO 8601 with milliseconds, UTC', example: '2026-12-04T10:00:00.000Z' });

/** The fields every action lifecycle event carries, from its audit row and its action. */
export const LIFECYCLE_FIELDS = {
  actionId: z.string().meta({ description: 'The action (`act_…`) the event is about' }),
  agentId: z.string().nullable().meta({ description: 'The agent that asked' }),
  tool: z.string().nullable().meta({ description: 'The tool it asked for' }),
  auditSeq: z
    .string()
    .regex(/^[0-9]+$/)
    .meta({
      description:
        'The audit row the event comes from: its sequence number, a decimal integer in a string (it can outgrow a double). Order events by it compared as integers, not as strings.',
      example: '1234',
    }),
  actor: z.string().meta({ description: 'Who caused the row: `agent:<id>`, `user:<id>`, `system:<part>`' }),
};

const Classification = {
  tier: RiskTier,
  reasons: z.array(z.string()),
  policyVersion: z.string().nullable().meta({ description: 'Content hash of the policy that decided; null for the built-in tool rules' }),
};

const Round = z.number().int().meta({ description: 'The approval round (a new one opens after an edit); absent for rows written before rounds were numbered' });

export const WebhookActionRequestedData = z
  .strictObject({
    ...LIFECYCLE_FIELDS,
    args: z.record(z.string(), z.unknown()).optional().meta({ description: 'The arguments as the audit log holds them: PII and secrets masked' }),
    argsHash: z.string(),
    rationale: z.string(),
    requestedBy: z.string().nullable().meta({ description: 'The person the agent acts for, when it said' }),
  })
  .meta({ id: 'WebhookActionRequestedData' });

const ApprovalRound = {
  approvalId: z.string(),
  round: Round.optional(),
  reason: z.string().meta({ description: "The round's closing as the audit log has it" }),
};

export const WebhookActionDecidedData = z
  .discriminatedUnion('decidedBy', [
    z
      .strictObject({ ...LIFECYCLE_FIELDS, decision: z.enum(['allow', 'deny']), decidedBy: z.literal('policy'), ...Classification })
      .meta({ description: "The policy's decision: at admission, or on an approver's edited arguments (then after the round's `approvers` decision)" }),
    z.strictObject({ ...LIFECYCLE_FIELDS, decision: z.enum(['allow', 'deny']), decidedBy: z.literal('approvers'), ...ApprovalRound }),
    z
      .strictObject({
        ...LIFECYCLE_FIELDS,
        decision: z.enum(['allow', 'deny']).meta({
          description: "The rule's timeout outcome: `allow` (`timeout: approve`) runs the action with no person's decision; `deny` expires it unrun",
        }),
        decidedBy: z.literal('timeout'),
        ...ApprovalRound,
      })
      .meta({ description: "The round's deadline passed with no decision, and its rule's timeout outcome decided" }),
  ])
  .meta({
    id: 'WebhookActionDecidedData',
    description:
      'The policy decided (`decidedBy: "policy"`: at admission, or on an approver\'s edited arguments), an approval round ended with its approvers\' decision (`"approvers"`), or with its deadline (`"timeout"`)',
  });

export const WebhookActionNotifiedData = z
  .strictObject({ ...LIFECYCLE_FIELDS, reason: z.literal('allow_and_notify'), ...Classification })
  .meta({ id: 'WebhookActionNotifiedData' });

export const WebhookApprovalOpenedData = z
  .strictObject({
    ...LIFECYCLE_FIELDS,
    approvalId: z.string(),
    round: Round.optional(),
    deadline: Timestamp.nullable(),
    requiredApprovals: z.number().int(),
    approverRole: Role,
    approverGroup: z.string().optional(),
    eligibleApprovers: z.array(z.string()).meta({ description: 'User ids who may decide this round' }),
  })
  .meta({ id: 'WebhookApprovalOpenedData' });

export const WebhookApprovalEscalatedData = z
  .strictObject({
    ...LIFECYCLE_FIELDS,
    approvalId: z.string(),
    level: z.number().int(),
    to: z.string().meta({ description: "The policy's escalation target: `<group>` or `role:<role>`" }),
    eligibleApprovers: z.array(z.string()),
  })
  .meta({ id: 'WebhookApprovalEscalatedData' });

export const WebhookActionExecutedData = z.strictObject({ ...LIFECYCLE_FIELDS, status: z.literal('executed') }).meta({
  id: 'WebhookActionExecutedData',
  description: 'The tool ran. Its output is never sent (it never enters the audit log).',
});
export const WebhookActionFailedData = z.strictObject({ ...LIFECYCLE_FIELDS, status: z.literal('failed'), error: z.string() }).meta({ id: 'WebhookActionFailedData' });
export const WebhookActionDeniedData = z
  .strictObject({
    ...LIFECYCLE_FIELDS,
    status: z.literal('denied'),
    reason: z.string(),
    feedback: z.string().optional().meta({ description: 'What the agent was told, written for the model' }),
  })
  .meta({ id: 'WebhookActionDeniedData' });
export const WebhookActionExpiredData = z.strictObject({ ...LIFECYCLE_FIELDS, status: z.literal('expired'), reason: z.string() }).meta({ id: 'WebhookActionExpiredData' });
export const WebhookActionCancelledData = z.strictObject({ ...LIFECYCLE_FIELDS, status: z.literal('cancelled'), reason: z.string() }).meta({ id: 'WebhookActionCancelledData' });

export const WebhookSlackDeliveryFailedData = z
  .strictObject({
    ...LIFECYCLE_FIELDS,
    message: z.enum(['approval', 'escalation', 'direct', 'notice']).meta({
      description: "Which message: the round's approval request, an escalation's, an approver's direct message, or an `allow_and_notify` notice",
    }),
    round: z.number().int().meta({ description: 'The approval round; 0 for a notice' }),
    target: z.string().meta({ description: 'Where it was for: a Slack channel id, or a Slack user id for a direct message' }),
    channel: z.string().nullable().meta({ description: 'The conversation of the message once posted; null when it never was' }),
    ts: z.string().nullable().meta({ description: "The message's Slack timestamp once posted; null when it never was" }),
    call: z.enum(['chat.postMessage', 'chat.update']).meta({ description: 'chat.postMessage: the message never reached Slack; chat.update: Slack shows an earlier state' }),
    error: z.string().meta({ description: "Slack's error (`channel_not_found`, `not_in_channel`, `ratelimited`, `http_500`…)" }),
    permanent: z.boolean().meta({ description: 'true: Slack refused for good and it was not retried; false: retries ran out (about an hour)' }),
    attempts: z.number().int(),
    roundClosed: z.boolean().optional().meta({
      description:
        'true: an approval message never posted whose round was decided first (not posted late; nobody waits for it, so a pager may skip it). Absent on events recorded before it existed',
    }),
  })
  .meta({
    id: 'WebhookSlackDeliveryFailedData',
    description:
      "The Slack app gave up on posting or updating one of the action's messages: approvers may never have seen the request in Slack (the console and API still have it)",
  });

export const WebhookAuditCheckpointData = z
  .strictObject({
    n: z.number().int().meta({ description: 'The checkpoint number; order checkpoints by it' }),
    seq: z.number().int().meta({ description: 'The last audit row it signs' }),
    hash: z.string().meta({ description: "That row's chain hash, 64 hex" }),
    signedAt: Timestamp,
    keyId: z.string().meta({ description: '`ed25519:<16 hex>`' }),
    signature: z.string().meta({ description: 'Ed25519, base64 (docs/AUDIT-FORMAT.md)' }),
  })
  .meta({ id: 'WebhookAuditCheckpointData', description: "A signed checkpoint of the audit chain, the fields of docs/AUDIT-FORMAT.md's checkpoint line" });

/** Each event type's `data`. */
export const WEBHOOK_EVENT_DATA = {
  'action.requested': WebhookActionRequestedData,
  'action.approval_opened': WebhookApprovalOpenedData,
  'action.approval_escalated': WebhookApprovalEscalatedData,
  'action.decided': WebhookActionDecidedData,
  'action.notified': WebhookActionNotifiedData,
  'action.executed': WebhookActionExecutedData,
  'action.failed': WebhookActionFailedData,
  'action.denied': WebhookActionDeniedData,
  'action.expired': WebhookActionExpiredData,
  'action.cancelled': WebhookActionCancelledData,
  'slack.delivery_failed': WebhookSlackDeliveryFailedData,
  'audit.checkpoint': WebhookAuditCheckpointData,
} as const;

export type WebhookEventDataOf<T extends keyof typeof WEBHOOK_EVENT_DATA> = z.input<(typeof WEBHOOK_EVENT_DATA)[T]>;

/** The schema name of a type's body: `action.approval_opened` → `WebhookActionApprovalOpened`. */
const bodyName = (type: string) => `Webhook${type.replace(/(^|[._])([a-z])/g, (_, _sep: string, letter: string) => letter.toUpperCase())}`;

function bodyOf<T extends keyof typeof WEBHOOK_EVENT_DATA>(type: T) {
  return z
    .strictObject({
      type: z.literal(type),
      timestamp: Timestamp.meta({ description: 'When it happened (the audit row was written, or the checkpoint signed); the same on every retry and replay' }),
      data: WEBHOOK_EVENT_DATA[type],
    })
    .meta({ id: bodyName(type) });
}

/** The whole body (`content-type: application/json`) of each event type's deliveries: the Standard Webhooks envelope. */
export const WEBHOOK_EVENT_BODIES = {
  'action.requested': bodyOf('action.requested'),
  'action.approval_opened': bodyOf('action.approval_opened'),
  'action.approval_escalated': bodyOf('action.approval_escalated'),
  'action.decided': bodyOf('action.decided'),
  'action.notified': bodyOf('action.notified'),
  'action.executed': bodyOf('action.executed'),
  'action.failed': bodyOf('action.failed'),
  'action.denied': bodyOf('action.denied'),
  'action.expired': bodyOf('action.expired'),
  'action.cancelled': bodyOf('action.cancelled'),
  'slack.delivery_failed': bodyOf('slack.delivery_failed'),
  'audit.checkpoint': bodyOf('audit.checkpoint'),
} as const;

/** The headers of every attempt (Standard Webhooks), as `signedHeaders` and the dispatcher set them. */
export const WebhookDeliveryHeaders = z.object({
  'webhook-id': z.string().meta({
    description:
      'The event id (`evt_<seq>_<n>`, or `ckpt_<n>` for a checkpoint): the same on every retry and every replay, and for every subscription. Drop duplicates by it (the idempotency key).',
    example: 'evt_1234_0',
  }),
  'webhook-timestamp': z
    .string()
    .regex(/^[0-9]+$/)
    .meta({ description: 'This attempt, Unix seconds (signed): refuse one more than 5 minutes from your clock', example: '1796378400' }),
  'webhook-signature': z.string().meta({
    description:
      'Space-separated `v1,<base64>` entries: HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw body>` keyed with the base64-decoded part of the secret after `whsec_`. Accept if any `v1` entry matches.',
    example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  }),
  'airlock-delivery-id': z.string().meta({
    description:
      'The delivery (`dlv_…`) in the delivery log, what `airlock webhooks replay` takes: the same on every retry of this delivery, a new one for a replay. To tell an operator which delivery to look at; drop duplicates by `webhook-id`, never by it. Not signed.',
    example: 'dlv_k3m9x2qp7rtw4vzab5cd',
  }),
  'content-type': z.literal('application/json'),
  'user-agent': z.string().meta({ example: 'Airlock-Webhooks/1' }),
});
