import { defaultActivityDeps } from '@airlock/activities';
import { awaitOutcome, decideAction, submitAction } from '@airlock/core/gateway';
import { createWebhook, runUseCase, type Operator } from '@airlock/ops';
import { compilePolicy } from '@airlock/policy';
import { deriveDeliveries, WEBHOOK_EVENT_BODIES, type WebhookEventType } from '@airlock/webhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval } from '../support/actions.js';
import { useSeededHarness } from '../support/harness.js';

// How an approval round's end reaches webhook receivers as `action.decided`, from the rows real workflows write.
// A round that timed out sent nothing (its row, approval.timed_out, was not mapped), so a `timeout: approve` rule's
// action went from action.approval_opened to action.executed with nothing saying nobody decided; now it is
// decidedBy "timeout" with the outcome its rule gave. An approver's edit that the policy re-classified was only the
// approvers' "allow" (then action.denied, for a deny); now the policy's verdict on the edit follows it. The timeout's
// outcome is read from the words the workflow closes the round with: this test holds those words to the parser.

const POLICY = compilePolicy(
  `apiVersion: airlock/v1
rules:
  - id: approve-at-deadline
    tools: [payments.refund]
    when: args.reason == "approve at the deadline"
    tier: medium
    outcome: require_approval
    reason: runs if nobody decides
    approval: { deadline: 1s, timeout: approve }
  - id: deny-at-deadline
    tools: [payments.refund]
    when: args.reason == "deny at the deadline"
    tier: medium
    outcome: require_approval
    reason: expires if nobody decides
    approval: { deadline: 1s, timeout: deny }
  - id: to-edit
    tools: [payments.refund]
    when: args.reason == "to be edited"
    tier: medium
    outcome: require_approval
    reason: a person looks at it
  - id: blocked
    tools: [payments.refund]
    when: args.reason == "blocked"
    tier: high
    outcome: deny
    reason: blocked refunds are refused
  - id: fine
    tools: [payments.refund]
    when: args.reason == "fine"
    tier: low
    outcome: allow
    reason: fine refunds run
`,
  'approval-outcomes.yaml',
);

const h = useSeededHarness({ deps: (db) => defaultActivityDeps(db, { current: () => POLICY }) });
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };
let webhookId: string;

beforeAll(async () => {
  webhookId = (await runUseCase({ db: h.db }, admin, createWebhook, { url: 'https://hooks.example.com/airlock', events: [] })).webhook.id;
});

const refund = (reason: string) => refundRequest({ args: { paymentId: 'pay_123', amount: '125.00', currency: 'USD', reason } });

interface Sent {
  type: WebhookEventType;
  data: Record<string, unknown>;
}

/** What the outbox queued for the action, in the order a receiver sorts it (audit seq, then the event's index). */
async function sentFor(actionId: string): Promise<Sent[]> {
  while ((await deriveDeliveries(h.db)) > 0);
  const { rows } = await h.db.pool.query<{ payload: Sent & { timestamp: string } }>(
    `SELECT payload FROM webhook_deliveries WHERE subscription_id = $1 AND payload->'data'->>'actionId' = $2 ORDER BY audit_seq, event_id`,
    [webhookId, actionId],
  );
  // Each body is what the OpenAPI document publishes for its type.
  for (const { payload } of rows) WEBHOOK_EVENT_BODIES[payload.type].parse(payload);
  return rows.map((r) => ({ type: r.payload.type, data: r.payload.data }));
}

const decisions = (sent: Sent[]) => sent.filter((e) => e.type === 'action.decided').map((e) => e.data);
const lifecycleOf = (sent: Sent[]) => sent.map((e) => (e.type === 'action.decided' ? `decided: ${String(e.data.decision)} by ${String(e.data.decidedBy)}` : e.type));

describe('action.decided for a round that timed out', () => {
  it('timeout: approve says the deadline allowed it, before the action runs', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, refund('approve at the deadline'));
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });
    const sent = await sentFor(actionId);
    expect(lifecycleOf(sent)).toEqual(['action.requested', 'action.approval_opened', 'decided: allow by timeout', 'action.executed']);
    expect(decisions(sent)).toEqual([
      expect.objectContaining({ decision: 'allow', decidedBy: 'timeout', approvalId: expect.any(String), round: 1, reason: expect.stringMatching(/timeout outcome: approve$/) }),
    ]);
  });

  it('timeout: deny says the deadline denied it, before the action expires', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, refund('deny at the deadline'));
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'expired' });
    const sent = await sentFor(actionId);
    expect(lifecycleOf(sent)).toEqual(['action.requested', 'action.approval_opened', 'decided: deny by timeout', 'action.expired']);
    expect(decisions(sent)[0]).toMatchObject({ decision: 'deny', decidedBy: 'timeout', round: 1, reason: expect.stringMatching(/timeout outcome: deny$/) });
  });
});

describe('action.decided for an approver’s edit', () => {
  async function approveEdited(reason: string) {
    const request = refund('to be edited');
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, request);
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash, editedArgs: { ...request.args, reason } });
    return { actionId, outcome: await awaitOutcome(h.client, actionId) };
  }

  it('re-classified as deny: the approvers allowed it, then the policy denied the edit, then it is denied', async () => {
    const { actionId, outcome } = await approveEdited('blocked');
    expect(outcome).toMatchObject({ status: 'denied' });
    const sent = await sentFor(actionId);
    expect(lifecycleOf(sent)).toEqual(['action.requested', 'action.approval_opened', 'decided: allow by approvers', 'decided: deny by policy', 'action.denied']);
    expect(decisions(sent)).toEqual([
      expect.objectContaining({ decidedBy: 'approvers', reason: 'alice approved edited arguments; re-classified as deny (high)' }),
      expect.objectContaining({
        decidedBy: 'policy',
        decision: 'deny',
        tier: 'high',
        reasons: [expect.stringContaining('blocked refunds are refused')],
        policyVersion: expect.any(String),
      }),
    ]);
  });

  it('re-classified as allow: the policy allowed the edit, and it runs', async () => {
    const { actionId, outcome } = await approveEdited('fine');
    expect(outcome).toMatchObject({ status: 'executed' });
    expect(lifecycleOf(await sentFor(actionId))).toEqual([
      'action.requested',
      'action.approval_opened',
      'decided: allow by approvers',
      'decided: allow by policy',
      'action.executed',
    ]);
  });

  it('approved as sent: only the approvers decided', async () => {
    const { actionId, argsHash } = await submitAndWaitForApproval(h.client, h.taskQueue, refund('to be edited'));
    await decideAction(h.client, actionId, { approverId: 'alice', decision: 'approve', channel: 'api', argsHash });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed' });
    expect(lifecycleOf(await sentFor(actionId))).toEqual(['action.requested', 'action.approval_opened', 'decided: allow by approvers', 'action.executed']);
  });
});
