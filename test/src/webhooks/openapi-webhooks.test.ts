import { getOpenApi } from '@airlock/console';
import type { AuditPayloadInput } from '@airlock/core';
import { appendAudit, checkpointIfDue, checkpointSigner, generateCheckpointKeyPair, type AuditEventInput } from '@airlock/db';
import { createWebhook, runUseCase, type Operator } from '@airlock/ops';
import { WEBHOOK_EVENT_TYPES, WebhookDispatcher } from '@airlock/webhooks';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ReceivedWebhook } from './receiver.js';
import { webhookTestBed } from './test-bed.js';

// The OpenAPI document the REST API serves describes what Airlock POSTs to receivers (its `webhooks`): real
// deliveries of every event type, derived from catalogued audit rows and sent by the dispatcher, are checked
// against the document's body and header schemas as a receiver's generated types would read them.

const bed = webhookTestBed();
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
const quiet = { info: () => undefined, warn: () => undefined };
const signer = checkpointSigner(generateCheckpointKeyPair().privateKeyPem);

type Json = Record<string, unknown>;
type SlackGiveUp = AuditPayloadInput<'slack.delivery_failed'>;
interface Document {
  openapi: string;
  webhooks: Record<string, { post: { parameters: { name: string; in: string; required?: boolean; schema: Json }[]; requestBody: { content: Record<string, { schema: Json }> } } }>;
  components: { schemas: Record<string, Json> };
}

async function servedDocument(): Promise<Document> {
  const response = await getOpenApi();
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

/** A schema of the document as a standalone JSON Schema (2020-12): its component refs point into `$defs`. */
function standalone(document: Document, schema: Json): z.ZodType {
  const local = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"#/$defs/')) as unknown;
  return z.fromJSONSchema({ ...(local(schema) as Json), $defs: local(document.components.schemas) as Record<string, Json> });
}

/** What is wrong with a received delivery by the document's webhook `type`: nothing is `[]`. */
function problems(document: Document, type: string, received: Pick<ReceivedWebhook, 'headers' | 'body'>): string[] {
  const operation = document.webhooks[type]?.post;
  if (!operation) return [`the document has no webhook ${type}`];
  const found: string[] = [];
  const body = standalone(document, operation.requestBody.content['application/json']!.schema).safeParse(JSON.parse(received.body));
  if (!body.success) found.push(...body.error.issues.map((issue) => `body ${issue.path.join('.')}: ${issue.message}`));
  for (const parameter of operation.parameters.filter((p) => p.in === 'header')) {
    const value = received.headers[parameter.name];
    if (value === undefined) {
      if (parameter.required) found.push(`header ${parameter.name}: missing`);
      continue;
    }
    const header = standalone(document, parameter.schema).safeParse(value);
    if (!header.success) found.push(`header ${parameter.name}: ${header.error.issues[0]!.message}`);
  }
  return found;
}

const approvalRequirement = {
  requiredApprovals: 1,
  approverRole: 'approver',
  denyEndsIt: true,
  timeoutMs: 60_000,
  timeoutOutcome: 'deny',
  escalation: [] as { afterMs: number; to: string }[],
} as const;

/** Catalogued rows that stand for every lifecycle event type, as the workflow and the Slack app write them (fields older rows lack left out in some). */
function lifecycleRows(): AuditEventInput[] {
  const row = (actionId: string, key: string, event: Omit<AuditEventInput, 'eventKey' | 'actionId' | 'actor'> & { actor?: string }): AuditEventInput =>
    ({ actor: 'system:workflow', ...event, actionId, eventKey: `${actionId}:${key}` }) as AuditEventInput;
  /** A Slack give-up as the Slack app writes it: round 1's approval message, never posted, unless `payload` says otherwise. */
  const slackGaveUp = (actionId: string, key: string, payload: Pick<SlackGiveUp, 'error' | 'permanent' | 'attempts'> & Partial<SlackGiveUp>) =>
    row(actionId, key, {
      type: 'slack.delivery_failed',
      actor: 'system:slack',
      payload: { message: 'approval', round: 1, target: 'C0APPROVALS', channel: null, ts: null, call: 'chat.postMessage', ...payload },
    });
  return [
    row('act_oa_1', 'requested', {
      type: 'action.requested',
      actor: 'agent:billing-bot',
      payload: { tool: 'payments.refund', args: { paymentId: 'pay_1', amount: '10.00' }, argsHash: 'h1', rationale: 'Ticket 42.', requestedBy: 'u_carol' },
    }),
    row('act_oa_1', 'classified', {
      type: 'action.classified',
      payload: { decision: 'require_approval', tier: 'high', reasons: ['refund'], policyVersion: 'p1', approval: approvalRequirement },
    }),
    row('act_oa_1', 'opened', {
      type: 'approval.opened',
      payload: { approvalId: 'apr_1', round: 1, ...approvalRequirement, approverGroup: 'finance', deadline: '2026-12-04T11:00:00.000Z', eligibleApprovers: ['u_alice'] },
    }),
    row('act_oa_1', 'escalated', { type: 'approval.escalated', payload: { approvalId: 'apr_1', level: 1, to: 'role:admin', eligibleApprovers: ['u_alice', 'u_bob'] } }),
    row('act_oa_1', 'approved', { type: 'approval.approved', payload: { approvalId: 'apr_1', round: 1, reason: 'quorum reached' } }),
    row('act_oa_1', 'completed', { type: 'action.completed', payload: { status: 'executed', actionId: 'act_oa_1' } }),
    // An older row: no args, no requestedBy, no round.
    row('act_oa_2', 'requested', { type: 'action.requested', actor: 'agent:billing-bot', payload: { tool: 'payments.refund', argsHash: 'h2', rationale: 'Ticket 43.' } }),
    row('act_oa_2', 'opened', { type: 'approval.opened', payload: { approvalId: 'apr_2', ...approvalRequirement, deadline: null, eligibleApprovers: [] } }),
    row('act_oa_2', 'denied-round', { type: 'approval.denied', payload: { approvalId: 'apr_2', reason: 'denied by u_alice' } }),
    row('act_oa_2', 'completed', {
      type: 'action.completed',
      payload: { status: 'denied', actionId: 'act_oa_2', reason: 'denied by u_alice', feedback: 'Ask for less.', deniedBy: 'u_alice' },
    }),
    row('act_oa_3', 'classified', { type: 'action.classified', payload: { decision: 'allow', tier: 'low', reasons: [], notify: true } }),
    row('act_oa_3', 'completed', { type: 'action.completed', payload: { status: 'failed', actionId: 'act_oa_3', error: 'exit code 1' } }),
    row('act_oa_4', 'classified', { type: 'action.classified', payload: { decision: 'deny', tier: 'critical', reasons: ['blocked tool'], policyVersion: 'p1' } }),
    row('act_oa_4', 'completed', { type: 'action.completed', payload: { status: 'denied', actionId: 'act_oa_4', reason: 'blocked tool' } }),
    row('act_oa_5', 'completed', { type: 'action.completed', payload: { status: 'expired', actionId: 'act_oa_5', reason: 'no decision in time' } }),
    row('act_oa_6', 'completed', { type: 'action.completed', payload: { status: 'cancelled', actionId: 'act_oa_6', reason: 'cancelled by the agent' } }),
    // The Slack app gave up: an approval request never posted (a permanent error), and an update whose retries ran out.
    slackGaveUp('act_oa_1', 'slack-post', { error: 'channel_not_found', permanent: true, attempts: 1 }),
    slackGaveUp('act_oa_3', 'slack-update', {
      message: 'notice',
      round: 0,
      target: 'C0NOTICES',
      channel: 'C0NOTICES',
      ts: '1796378400.000100',
      call: 'chat.update',
      error: 'http_500',
      permanent: false,
      attempts: 9,
    }),
    // An approval message never posted whose round was decided first: a pager may skip it (roundClosed).
    slackGaveUp('act_oa_2', 'slack-closed', { error: 'http_503', permanent: false, attempts: 3, roundClosed: true }),
  ];
}

describe('the webhooks of the served OpenAPI document', () => {
  it('describe every event type, and real deliveries of each match their body and header schemas', async () => {
    const document = await servedDocument();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());

    await runUseCase({ db: bed.t.db }, admin, createWebhook, { url: bed.receiver.url, events: [] });
    await appendAudit(bed.t.db, ...lifecycleRows());
    expect(await checkpointIfDue(bed.t.db, signer, { everyRows: 1, everySeconds: 3600 })).not.toBeNull();
    await new WebhookDispatcher({ db: bed.t.db, logger: quiet, allowLoopback: true }).runOnce();

    const bodies = () => bed.receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: Json });
    // runOnce returns once every due delivery was answered: 19 lifecycle events (the require_approval row stands
    // for none, the allow_and_notify row for two; three are Slack give-ups) and the checkpoint.
    expect(bed.receiver.received).toHaveLength(20);
    expect(new Set(bodies().map((b) => b.type))).toEqual(new Set(WEBHOOK_EVENT_TYPES));
    const wrong = bed.receiver.received.flatMap((received) =>
      problems(document, (JSON.parse(received.body) as { type: string }).type, received).map((p) => `${String(received.headers['webhook-id'])}: ${p}`),
    );
    expect(wrong).toEqual([]);
    // A Slack give-up reaches receivers with the action's fields and the audit row's, as written.
    expect(bodies().find((b) => b.type === 'slack.delivery_failed' && b.data.actionId === 'act_oa_1')?.data).toEqual({
      actionId: 'act_oa_1',
      agentId: null,
      tool: null,
      auditSeq: expect.stringMatching(/^\d+$/),
      actor: 'system:slack',
      message: 'approval',
      round: 1,
      target: 'C0APPROVALS',
      channel: null,
      ts: null,
      call: 'chat.postMessage',
      error: 'channel_not_found',
      permanent: true,
      attempts: 1,
    });
    expect(bodies().find((b) => b.type === 'slack.delivery_failed' && b.data.actionId === 'act_oa_2')?.data).toMatchObject({ roundClosed: true, call: 'chat.postMessage' });

    // The check has teeth: a field the document does not list, one it requires missing, a value off its enum,
    // an unknown type, or a header gone, each fails.
    const executed = bed.receiver.received.find((r) => r.body.includes('"action.executed"'))!;
    const edited = (change: (body: { type: string; data: Json }) => void) => {
      const body = JSON.parse(executed.body) as { type: string; data: Json };
      change(body);
      return { headers: executed.headers, body: JSON.stringify(body) };
    };
    expect(
      problems(
        document,
        'action.executed',
        edited((b) => (b.data.output = 'secret')),
      ),
    ).toEqual([expect.stringMatching(/^body data: .*output/i)]);
    expect(
      problems(
        document,
        'action.executed',
        edited((b) => delete b.data.auditSeq),
      ),
    ).toEqual([expect.stringMatching(/^body data.auditSeq: /)]);
    expect(
      problems(
        document,
        'action.executed',
        edited((b) => (b.data.status = 'failed')),
      ),
    ).toEqual([expect.stringMatching(/^body data.status: /)]);
    expect(
      problems(
        document,
        'action.executed',
        edited((b) => (b.type = 'action.failed')),
      ),
    ).toEqual([expect.stringMatching(/^body type: /)]);
    const { 'webhook-signature': _signature, ...unsigned } = executed.headers;
    expect(problems(document, 'action.executed', { headers: unsigned, body: executed.body })).toEqual(['header webhook-signature: missing']);
  });
});
