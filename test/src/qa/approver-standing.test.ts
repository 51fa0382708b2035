import { postAction, postDecision, schemas } from '@airlock/console';
import { createAgent, createApiKey, createUser } from '@airlock/db';
import { defaultActivityDeps } from '@airlock/activities';
import { changeRole, runUseCase, updateAgent, userOperator } from '@airlock/ops';
import { compilePolicy, type CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from '../api/client.js';

/**
 * Who may decide is fixed when a round opens, but a right taken away while it waits
 * (a demotion, an agent handed to the approver) holds from the next request on, in
 * every channel: the workflow's snapshot only ever narrows by what is true now.
 */
const defaultPolicy = loadPolicyFile(DEFAULT_POLICY_FILE);
let activePolicy: CompiledPolicy = defaultPolicy;
const { h, ctx, keys } = useApiHarness({ deps: (db) => defaultActivityDeps(db, { current: () => activePolicy }) });

const ADMIN_REFUNDS = compilePolicy(
  `apiVersion: airlock/v1\nrules:\n  - id: admin-refunds\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: an admin decides\n    approval: { role: admin, quorum: 1 }\n`,
  'admin-refunds.yaml',
);

let ada = '';
let qaAgent = '';
let fran = '';
let lena = '';
beforeAll(async () => {
  // A second admin: one of them is demoted, and an admin must remain to do it.
  await createUser(h.db, { id: 'ada', role: 'admin' });
  ada = (await createApiKey(h.db, { userId: 'ada' })).key;
  await createUser(h.db, { id: 'fran', role: 'approver', groups: ['finance'] });
  await createUser(h.db, { id: 'lena', role: 'approver', groups: ['finance-leads'] });
  fran = (await createApiKey(h.db, { userId: 'fran' })).key;
  lena = (await createApiKey(h.db, { userId: 'lena' })).key;
  await createAgent(h.db, { id: 'qa-bot', team: 'qa', ownerId: 'owner', allowedTools: ['payments.*'] });
  qaAgent = (await createApiKey(h.db, { agentId: 'qa-bot' })).key;
});
afterEach(() => {
  activePolicy = defaultPolicy;
});

let counter = 0;
async function pendingRefund(agentKey: string) {
  const body = {
    tool: 'payments.refund',
    args: { paymentId: 'pay_qa', amount: '125.00', currency: 'EUR', reason: 'damaged item' },
    rationale: 'Photo evidence attached.',
    idempotencyKey: `standing-${(counter += 1)}`,
  };
  const { actionId, argsHash } = await expectJson(postAction(apiRequest('/api/v1/actions', { key: agentKey, body }), ctx), 202, schemas.SubmittedActionView);
  await waitForActionStatus(ctx, agentKey, actionId, ['awaiting_approval']);
  return { actionId, argsHash };
}
const decide = (actionId: string, key: string, body: unknown) => postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key, body }), ctx, { id: actionId });
const admin = userOperator({ id: 'ada', role: 'admin' }, 'cli');

describe('a right taken away while a round waits', () => {
  it('an admin demoted to approver no longer decides a round that needs an admin', async () => {
    activePolicy = ADMIN_REFUNDS;
    const { actionId, argsHash } = await pendingRefund(keys.agent);
    await runUseCase({ db: h.db }, admin, changeRole, { id: 'bob', role: 'approver' });
    try {
      const refused = await expectError(decide(actionId, keys.bob, { decision: 'approve', argsHash }), 409, 'decision_rejected');
      expect(refused.message).toMatch(/bob .*admin/);
      expect((await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval'])).status).toBe('awaiting_approval');
      expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
      // An admin still decides it.
      await expectJson(decide(actionId, ada, { decision: 'approve', argsHash }), 200, schemas.DecideResultView);
      expect((await waitForActionStatus(ctx, keys.agent, actionId, ['executed'])).status).toBe('executed');
    } finally {
      await runUseCase({ db: h.db }, admin, changeRole, { id: 'bob', role: 'admin' });
    }
  });

  it('a person handed the requesting agent while its round waits may not approve it', async () => {
    const { actionId, argsHash } = await pendingRefund(qaAgent);
    await runUseCase({ db: h.db }, admin, updateAgent, { id: 'qa-bot', ownerId: 'alice' });
    try {
      const refused = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash }), 409, 'decision_rejected');
      expect(refused.message).toBe('alice owns the agent that requested this action, so someone else must approve it');
      expect(await h.db.prisma.approvalDecision.count({ where: { approval: { actionId } } })).toBe(0);
      await expectJson(decide(actionId, keys.bob, { decision: 'approve', argsHash }), 200, schemas.DecideResultView);
      expect((await waitForActionStatus(ctx, qaAgent, actionId, ['executed'])).status).toBe('executed');
    } finally {
      await runUseCase({ db: h.db }, admin, updateAgent, { id: 'qa-bot', ownerId: 'owner' });
    }
  });

  it('still admits whom the round escalated to, and refuses the one who left for the group the round needs', async () => {
    activePolicy = compilePolicy(
      `apiVersion: airlock/v1\nrules:\n  - id: finance-refunds\n    tools: [payments.refund]\n    tier: high\n    outcome: require_approval\n    reason: finance decides\n    approval: { group: finance, quorum: 2, deadline: 1h, escalation: [{ after: 1s, to: finance-leads }] }\n`,
      'finance-escalating.yaml',
    );
    const { actionId, argsHash } = await pendingRefund(keys.agent);
    const refusedEarly = await expectError(decide(actionId, lena, { decision: 'approve', argsHash }), 409, 'decision_rejected');
    expect(refusedEarly.message).toBe('lena may not decide this round: it needs the approver role or higher in finance, and lena is approver in finance-leads');
    for (let pauseMs = 20; (await h.db.prisma.auditEvent.count({ where: { actionId, type: 'approval.escalated' } })) === 0;) await new Promise((r) => setTimeout(r, pauseMs));
    await expectJson(decide(actionId, lena, { decision: 'approve', argsHash }), 200, schemas.DecideResultView);
    // fran moved from finance to another team's group while the round waited (no use case edits groups: the database does).
    await h.db.prisma.user.update({ where: { id: 'fran' }, data: { groups: ['support'] } });
    const refused = await expectError(decide(actionId, fran, { decision: 'approve', argsHash }), 409, 'decision_rejected');
    expect(refused.message).toBe('fran may not decide this round: it needs the approver role or higher in finance, and fran is approver in support');
    await h.db.prisma.user.update({ where: { id: 'fran' }, data: { groups: ['finance'] } });
    await expectJson(decide(actionId, fran, { decision: 'approve', argsHash }), 200, schemas.DecideResultView);
    expect((await waitForActionStatus(ctx, keys.agent, actionId, ['executed'])).status).toBe('executed');
  });

  it('the requester is refused whatever the case the agent wrote their id in (user ids are lower case)', async () => {
    const body = {
      tool: 'payments.refund',
      args: { paymentId: 'pay_qa', amount: '125.00', currency: 'EUR', reason: 'damaged item' },
      rationale: 'Photo evidence attached.',
      idempotencyKey: `standing-${(counter += 1)}`,
      requestedBy: 'Alice',
    };
    const { actionId, argsHash } = await expectJson(postAction(apiRequest('/api/v1/actions', { key: keys.agent, body }), ctx), 202, schemas.SubmittedActionView);
    await waitForActionStatus(ctx, keys.agent, actionId, ['awaiting_approval']);
    const refused = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash }), 409, 'decision_rejected');
    expect(refused.message).toBe('alice requested this action, so someone else must approve it');
    await expectJson(decide(actionId, keys.bob, { decision: 'approve', argsHash }), 200, schemas.DecideResultView);
    expect((await waitForActionStatus(ctx, keys.agent, actionId, ['executed'])).status).toBe('executed');
  });
});
