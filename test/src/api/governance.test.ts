import {
  deleteKillSwitch,
  getAction,
  getAgents,
  getBudgets,
  getKillSwitches,
  getOutcome,
  getPolicy,
  getStandingApprovals,
  policyFromFile,
  postAction,
  postBudget,
  postDecision,
  postKillSwitch,
  postPolicyDryRun,
  postStandingApproval,
  postStandingApprovalRevocation,
  putAgentTools,
  schemas,
  type ApiContext,
} from '@airlock/console';
import { createAgent, createApiKey } from '@airlock/db';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, expectError, expectJson, useApiHarness, waitForActionStatus } from './client.js';

const { h, ctx, keys } = useApiHarness();
/** Agent keys beside the seeded ones: ops-bot (team ops) for the kill switch, ledger-bot for budgets. */
let ops: string;
let ledger: string;

beforeAll(async () => {
  await createAgent(h.db, { id: 'ops-bot', team: 'ops', allowedTools: ['payments.*', 'demo.*'] });
  await createAgent(h.db, { id: 'ledger-bot', team: 'finance', allowedTools: ['payments.*'] });
  ops = (await createApiKey(h.db, { agentId: 'ops-bot' })).key;
  ledger = (await createApiKey(h.db, { agentId: 'ledger-bot' })).key;
});

// ---- helpers: every call goes through the REST handlers, as an HTTP client's would

let counter = 0;
const nextKey = (prefix: string) => `${prefix}-${(counter += 1)}`;
const refundArgs = (amount: string, currency = 'EUR') => ({ paymentId: 'pay_7', amount, currency, reason: 'damaged item' });

async function submit(agentKey: string, tool: string, args: Record<string, unknown>) {
  const body = { tool, args, rationale: 'Ticket 42.', idempotencyKey: nextKey(tool) };
  return expectJson(postAction(apiRequest('/api/v1/actions', { key: agentKey, body }), ctx), 202, schemas.SubmittedActionView);
}

async function pendingRefund(agentKey: string, amount = '125.00') {
  const submitted = await submit(agentKey, 'payments.refund', refundArgs(amount));
  await waitForActionStatus(ctx, agentKey, submitted.actionId, ['awaiting_approval']);
  return submitted;
}

const finalOutcome = (agentKey: string, actionId: string) =>
  expectJson(getOutcome(apiRequest(`/api/v1/actions/${actionId}/outcome?waitMs=20000`, { key: agentKey }), ctx, { id: actionId }), 200, schemas.ActionOutcome);

const readAction = (actionId: string) => expectJson(getAction(apiRequest(`/api/v1/actions/${actionId}`, { key: keys.bob }), ctx, { id: actionId }), 200, schemas.ActionView);

const decide = (actionId: string, key: string, body: unknown) => postDecision(apiRequest(`/api/v1/actions/${actionId}/decisions`, { key, body }), ctx, { id: actionId });

const killSwitch = (key: string, body: unknown) => postKillSwitch(apiRequest('/api/v1/kill-switch', { key, body }), ctx);
const liftKillSwitch = (key: string, body: unknown) => deleteKillSwitch(apiRequest('/api/v1/kill-switch', { key, body, method: 'DELETE' }), ctx);
const grant = (key: string, body: unknown) => postStandingApproval(apiRequest('/api/v1/standing-approvals', { key, body }), ctx);
const revoke = (key: string, id: string) => postStandingApprovalRevocation(apiRequest(`/api/v1/standing-approvals/${id}/revoke`, { key, method: 'POST' }), ctx, { id });
const createBudget = (key: string, body: unknown) => postBudget(apiRequest('/api/v1/budgets', { key, body }), ctx);
const setTools = (key: string, agentId: string, body: unknown) => putAgentTools(apiRequest(`/api/v1/agents/${agentId}/tools`, { key, body, method: 'PUT' }), ctx, { id: agentId });
const dryRun = (key: string, body: unknown) => postPolicyDryRun(apiRequest('/api/v1/policy/dry-run', { key, body }), ctx);

const auditOf = (type: string) => h.db.prisma.auditEvent.findMany({ where: { type }, orderBy: { seq: 'asc' } });

describe('kill switch', () => {
  it('cancels a pending approval and denies new actions of the scope; DELETE resumes', async () => {
    const pending = await pendingRefund(ops);
    const bystander = await pendingRefund(keys.agent);

    const result = await expectJson(killSwitch(keys.bob, { scope: 'team', target: 'ops', reason: 'incident 42' }), 200, schemas.KillSwitchResult);
    expect(result.cancelledActions).toEqual([pending.actionId]);
    expect(await finalOutcome(ops, pending.actionId)).toMatchObject({ status: 'cancelled', reason: expect.stringMatching(/kill switch \(team ops\) by bob: incident 42/) });
    expect((await readAction(pending.actionId)).approval?.status).toBe('cancelled');

    const { suspensions } = await expectJson(getKillSwitches(apiRequest('/api/v1/kill-switch', { key: keys.victor }), ctx), 200, schemas.SuspensionList);
    expect(suspensions).toEqual([expect.objectContaining({ id: result.suspensionId, scope: 'team', target: 'ops', reason: 'incident 42', createdBy: 'bob' })]);
    const { agents } = await expectJson(getAgents(apiRequest('/api/v1/agents', { key: keys.victor }), ctx), 200, schemas.AgentList);
    expect(agents.find((a) => a.id === 'ops-bot')?.suspension).toMatchObject({ id: result.suspensionId, scope: 'team' });
    expect(agents.find((a) => a.id === 'billing-bot')?.suspension).toBeNull();
    expect(await auditOf('kill_switch.on')).toEqual([expect.objectContaining({ actor: 'user:bob', payload: expect.objectContaining({ suspensionId: result.suspensionId }) })]);

    const refused = await submit(ops, 'demo.echo', { message: 'during the incident' });
    expect(await finalOutcome(ops, refused.actionId)).toMatchObject({ status: 'denied', reason: expect.stringMatching(/suspended by the kill switch \(team ops\)/) });
    // Another team's approval is untouched.
    expect((await readAction(bystander.actionId)).status).toBe('awaiting_approval');

    expect(await expectJson(liftKillSwitch(keys.bob, { scope: 'team', target: 'ops' }), 200, schemas.KillSwitchLiftResult)).toEqual({ wasActive: true });
    expect(await expectJson(liftKillSwitch(keys.bob, { scope: 'team', target: 'ops' }), 200, schemas.KillSwitchLiftResult)).toEqual({ wasActive: false });
    expect((await expectJson(getKillSwitches(apiRequest('/api/v1/kill-switch', { key: keys.bob }), ctx), 200, schemas.SuspensionList)).suspensions).toEqual([]);
    const again = await submit(ops, 'demo.echo', { message: 'after the incident' });
    expect(await finalOutcome(ops, again.actionId)).toMatchObject({ status: 'executed' });

    await expectJson(decide(bystander.actionId, keys.alice, { decision: 'deny', argsHash: bystander.argsHash }), 200, schemas.DecideResultView);
    expect((await finalOutcome(keys.agent, bystander.actionId)).status).toBe('denied');
  });

  it('is for admins only: viewers, approvers and agents get 403 and nothing is suspended', async () => {
    const before = await h.db.prisma.killSwitch.count();
    const body = { scope: 'tenant', reason: 'not my call' };
    const viewer = await expectError(killSwitch(keys.victor, body), 403, 'forbidden');
    expect(viewer.message).toMatch(/role viewer may not do this; admin or higher is required/);
    await expectError(killSwitch(keys.alice, body), 403, 'forbidden');
    await expectError(killSwitch(keys.agent, body), 403, 'forbidden');
    await expectError(liftKillSwitch(keys.alice, { scope: 'tenant' }), 403, 'forbidden');
    await expectError(getKillSwitches(apiRequest('/api/v1/kill-switch', { key: keys.agent }), ctx), 403, 'forbidden');
    expect(await h.db.prisma.killSwitch.count()).toBe(before);
  });

  it('takes the actor from the key, never the body, and checks scope and target', async () => {
    const forged = await expectError(killSwitch(keys.bob, { scope: 'agent', target: 'ops-bot', reason: 'r', by: 'alice' }), 400, 'invalid_request');
    expect(forged.issues).toEqual([{ path: 'by', message: 'Unrecognized key: "by"' }]);
    const missing = await expectError(killSwitch(keys.bob, { scope: 'agent', reason: 'r' }), 400, 'invalid_request');
    expect(missing.issues).toEqual([{ path: 'target', message: expect.stringMatching(/required for the agent scope/) }]);
    const tenant = await expectError(killSwitch(keys.bob, { scope: 'tenant', target: 'acme', reason: 'r' }), 400, 'invalid_request');
    expect(tenant.issues?.map((i) => i.path)).toEqual(['target']);
    await expectError(killSwitch(keys.bob, { scope: 'agent', target: 'ops-bot', reason: '  ' }), 400, 'invalid_request');
    const unknown = await expectError(killSwitch(keys.bob, { scope: 'agent', target: 'no-such-bot', reason: 'r' }), 404, 'not_found');
    expect(unknown.message).toMatch(/no agent "no-such-bot"/);
    expect(await h.db.prisma.killSwitch.count({ where: { liftedAt: null } })).toBe(0);
  });
});

describe('standing approvals', () => {
  const weeklyBatch = { agentId: 'billing-bot', tool: 'payments.refund', condition: 'cents(args.amount) <= 20000', reason: 'weekly refund batch', validForHours: 2, maxUses: 5 };

  it('a grant lets a matching refund run without waiting; revoking it stops that at once', async () => {
    const granted = await expectJson(grant(keys.alice, weeklyBatch), 201, schemas.StandingApprovalView);
    expect(granted).toMatchObject({ agentId: 'billing-bot', tool: 'payments.refund', grantedBy: 'alice', uses: 0, maxUses: 5, active: true, revokedAt: null });
    expect(Date.parse(granted.validUntil) - Date.parse(granted.validFrom)).toBe(2 * 3_600_000);

    const covered = await submit(keys.agent, 'payments.refund', refundArgs('125.00'));
    expect(await finalOutcome(keys.agent, covered.actionId)).toMatchObject({ status: 'executed' });
    expect((await readAction(covered.actionId)).approval).toBeNull();
    const used = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { actionId: covered.actionId, type: 'approval.standing_used' } });
    expect(used.payload).toEqual({ grantId: granted.id });

    const listed = await expectJson(
      getStandingApprovals(apiRequest('/api/v1/standing-approvals?agentId=billing-bot&status=active', { key: keys.victor }), ctx),
      200,
      schemas.StandingApprovalList,
    );
    expect(listed.standingApprovals).toEqual([expect.objectContaining({ id: granted.id, uses: 1, active: true })]);

    const revoked = await expectJson(revoke(keys.bob, granted.id), 200, schemas.StandingApprovalRevocationView);
    expect(revoked).toMatchObject({ wasActive: true, standingApproval: { id: granted.id, active: false, revokedBy: 'bob' } });
    expect(await expectJson(revoke(keys.alice, granted.id), 200, schemas.StandingApprovalRevocationView)).toMatchObject({
      wasActive: false,
      standingApproval: { revokedBy: 'bob' },
    });

    const waiting = await pendingRefund(keys.agent);
    expect((await readAction(waiting.actionId)).approval?.status).toBe('open');
    await expectJson(decide(waiting.actionId, keys.alice, { decision: 'deny', argsHash: waiting.argsHash }), 200, schemas.DecideResultView);
    expect((await finalOutcome(keys.agent, waiting.actionId)).status).toBe('denied');

    const active = await expectJson(getStandingApprovals(apiRequest('/api/v1/standing-approvals?status=active', { key: keys.alice }), ctx), 200, schemas.StandingApprovalList);
    expect(active.standingApprovals.map((g) => g.id)).not.toContain(granted.id);
    // One event per change, each as the person who made it; the repeated revocation adds none.
    const events = [...(await auditOf('standing_approval.granted')), ...(await auditOf('standing_approval.revoked'))].filter(
      (e) => (e.payload as { grantId?: string }).grantId === granted.id,
    );
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['standing_approval.granted', 'user:alice'],
      ['standing_approval.revoked', 'user:bob'],
    ]);
  });

  it('refuses a condition that does not compile with 400 naming its position, and grants nothing', async () => {
    const before = await h.db.prisma.standingApproval.count();
    const syntax = await expectError(grant(keys.alice, { ...weeklyBatch, condition: 'cents(args.amount) <=' }), 400, 'invalid_request');
    expect(syntax.issues).toEqual([{ path: 'condition', message: expect.stringMatching(/^column 22: Unexpected token/) }]);
    expect(syntax.message).toMatch(/invalid condition: column 22/);
    const unknownName = await expectError(grant(keys.alice, { ...weeklyBatch, condition: 'amount < 5' }), 400, 'invalid_request');
    expect(unknownName.issues?.[0]).toMatchObject({ path: 'condition', message: expect.stringMatching(/^column 1: Unknown variable: amount/) });
    const notBoolean = await expectError(grant(keys.alice, { ...weeklyBatch, condition: 'cents(args.amount) + 1' }), 400, 'invalid_request');
    expect(notBoolean.issues?.[0]?.message).toMatch(/must be a boolean expression/);
    expect(await h.db.prisma.standingApproval.count()).toBe(before);
  });

  it('checks who grants, for which agent, and what', async () => {
    await expectError(grant(keys.victor, weeklyBatch), 403, 'forbidden');
    await expectError(grant(keys.agent, weeklyBatch), 403, 'forbidden');
    // The agent's owner may not approve its requests, one by one or in advance.
    const owner = await expectError(grant(keys.owner, weeklyBatch), 403, 'forbidden');
    expect(owner.message).toMatch(/owns agent "billing-bot"/);
    const unknown = await expectError(grant(keys.alice, { ...weeklyBatch, agentId: 'no-such-bot' }), 400, 'invalid_request');
    expect(unknown.issues).toEqual([{ path: 'agentId', message: 'no agent "no-such-bot"' }]);
    const tooLong = await expectError(grant(keys.alice, { ...weeklyBatch, validForHours: 24 * 365 }), 400, 'invalid_request');
    expect(tooLong.issues?.map((i) => i.path)).toEqual(['validForHours']);
    await expectError(grant(keys.alice, { ...weeklyBatch, grantedBy: 'bob' }), 400, 'invalid_request');
    await expectError(revoke(keys.victor, '00000000-0000-4000-8000-000000000000'), 403, 'forbidden');
    await expectError(revoke(keys.alice, '00000000-0000-4000-8000-000000000000'), 404, 'not_found');
  });
});

describe('budgets', () => {
  const monthly = { scope: 'agent', target: 'ledger-bot', period: 'month', currency: 'GBP', limit: '500.00', approvalThreshold: '400.00' };

  it('creates a budget (admin), lists it with current usage, and refuses a duplicate with 409', async () => {
    const created = await expectJson(createBudget(keys.bob, monthly), 201, schemas.BudgetView);
    expect(created).toMatchObject({ ...monthly, spent: '0.00', reserved: '0.00', remaining: '500.00' });
    const duplicate = await expectError(createBudget(keys.bob, { ...monthly, limit: '900.00', approvalThreshold: undefined }), 409, 'already_exists');
    expect(duplicate.message).toMatch(/a month GBP budget for agent\/ledger-bot already exists/);

    const refund = await submit(ledger, 'payments.refund', refundArgs('20.00', 'GBP'));
    expect(await finalOutcome(ledger, refund.actionId)).toMatchObject({ status: 'executed' });

    const { budgets } = await expectJson(getBudgets(apiRequest('/api/v1/budgets?scope=agent&target=ledger-bot', { key: keys.victor }), ctx), 200, schemas.BudgetList);
    expect(budgets).toEqual([{ ...created, spent: '20.00', reserved: '0.00', remaining: '480.00' }]);
    expect(await auditOf('budget.created')).toEqual([
      expect.objectContaining({ actor: 'user:bob', payload: expect.objectContaining({ budgetId: created.id, limit: '500.00', currency: 'GBP' }) }),
    ]);
  });

  it('validates amounts and scope, and is for admins only', async () => {
    const threshold = await expectError(createBudget(keys.bob, { ...monthly, target: 'billing', scope: 'team', approvalThreshold: '600.00' }), 400, 'invalid_request');
    expect(threshold.issues).toEqual([{ path: 'approvalThreshold', message: 'must be below the limit' }]);
    const amount = await expectError(createBudget(keys.bob, { ...monthly, limit: '12.345' }), 400, 'invalid_request');
    expect(amount.issues?.map((i) => i.path)).toContain('limit');
    const tenant = await expectError(createBudget(keys.bob, { ...monthly, scope: 'tenant' }), 400, 'invalid_request');
    expect(tenant.issues?.map((i) => i.path)).toEqual(['target']);
    await expectError(createBudget(keys.alice, { ...monthly, currency: 'USD' }), 403, 'forbidden');
    await expectError(getBudgets(apiRequest('/api/v1/budgets?scope=galaxy', { key: keys.bob }), ctx), 400, 'invalid_request');
    expect(await h.db.prisma.budget.count({ where: { NOT: { target: 'ledger-bot' } } })).toBe(0);
  });
});

describe('agents', () => {
  it('PUT tools (admin) narrows what an agent may request: a tool outside the list is denied', async () => {
    const updated = await expectJson(setTools(keys.bob, 'support-bot', { allowedTools: ['demo.echo'] }), 200, schemas.AgentView);
    expect(updated).toEqual({ id: 'support-bot', name: 'support-bot', team: 'support', ownerId: null, allowedTools: ['demo.echo'], suspension: null, disabledAt: null });

    const outside = await submit(keys.otherAgent, 'demo.sleep', { ms: 1 });
    expect(await finalOutcome(keys.otherAgent, outside.actionId)).toMatchObject({
      status: 'denied',
      reason: expect.stringMatching(/agent "support-bot" is not allowed to call "demo.sleep" \(least privilege\)/),
    });
    const inside = await submit(keys.otherAgent, 'demo.echo', { message: 'still allowed' });
    expect(await finalOutcome(keys.otherAgent, inside.actionId)).toMatchObject({ status: 'executed' });

    const { agents } = await expectJson(getAgents(apiRequest('/api/v1/agents', { key: keys.victor }), ctx), 200, schemas.AgentList);
    expect(agents.map((a) => a.id)).toEqual(['billing-bot', 'ledger-bot', 'ops-bot', 'support-bot']);
    expect(agents.find((a) => a.id === 'billing-bot')).toMatchObject({ team: 'billing', ownerId: 'owner', allowedTools: ['payments.*', 'demo.*'] });
    expect(agents.find((a) => a.id === 'support-bot')?.allowedTools).toEqual(['demo.echo']);
    expect(await auditOf('agent.tools_changed')).toEqual([
      expect.objectContaining({ actor: 'user:bob', payload: { agentId: 'support-bot', before: ['demo.*'], after: ['demo.echo'] } }),
    ]);
  });

  it('refuses non-admins, unknown agents and malformed tool patterns', async () => {
    await expectError(setTools(keys.alice, 'support-bot', { allowedTools: ['*'] }), 403, 'forbidden');
    await expectError(setTools(keys.otherAgent, 'support-bot', { allowedTools: ['*'] }), 403, 'forbidden');
    await expectError(setTools(keys.bob, 'no-such-bot', { allowedTools: [] }), 404, 'not_found');
    const glob = await expectError(setTools(keys.bob, 'support-bot', { allowedTools: ['demo.echo', 'pay*.refund'] }), 400, 'invalid_request');
    expect(glob.issues?.map((i) => i.path)).toEqual(['allowedTools.1']);
    expect((await h.db.prisma.agent.findUniqueOrThrow({ where: { id: 'support-bot' } })).allowedTools).toEqual(['demo.echo']);
  });
});

describe('policy', () => {
  const policy = loadPolicyFile(DEFAULT_POLICY_FILE);
  const refund = (amount: string, agentId?: string) => ({ tool: 'payments.refund', args: refundArgs(amount, 'USD'), ...(agentId ? { agentId } : {}) });
  const classify = async (key: string, body: unknown) => expectJson(dryRun(key, body), 200, schemas.PolicyDryRunResult);

  it('dry-runs a request through the active policy, recording nothing', async () => {
    const actionsBefore = await h.db.prisma.action.count();
    const auditBefore = await h.db.prisma.auditEvent.count();

    const high = await classify(keys.victor, refund('125.00', 'billing-bot'));
    expect(high.policyVersion).toBe(policy.version);
    expect(high.classification).toMatchObject({
      decision: 'require_approval',
      tier: 'high',
      matchedRules: ['refunds'],
      approval: { requiredApprovals: 1, approverRole: 'approver' },
    });
    expect((await classify(keys.victor, refund('20.00', 'billing-bot'))).classification).toMatchObject({ decision: 'allow', tier: 'low', matchedRules: ['small-refunds'] });
    expect((await classify(keys.alice, refund('1500.00'))).classification).toMatchObject({ tier: 'critical', approval: { requiredApprovals: 2 } });
    expect((await classify(keys.alice, { tool: 'demo.echo', args: { message: 'x' }, signals: { confidence: 0.4 } })).classification).toMatchObject({
      decision: 'require_approval',
      matchedRules: ['echo', 'low-confidence'],
    });
    expect((await classify(keys.bob, refund('20.00', 'support-bot'))).classification).toMatchObject({
      decision: 'deny',
      reasons: [expect.stringMatching(/not allowed to call "payments.refund" \(least privilege\)/)],
    });
    expect((await classify(keys.bob, { tool: 'db.drop_everything', args: {} })).classification).toMatchObject({
      decision: 'deny',
      reasons: ['unknown tool "db.drop_everything": denied by default'],
    });

    expect(await h.db.prisma.action.count()).toBe(actionsBefore);
    expect(await h.db.prisma.auditEvent.count()).toBe(auditBefore);
  });

  it('refuses bad arguments, unknown agents and agent keys', async () => {
    const args = await expectError(dryRun(keys.alice, refund('-5')), 400, 'invalid_request');
    expect(args.issues).toContainEqual({ path: 'args.amount', message: 'a decimal amount like "125.50"' });
    const agent = await expectError(dryRun(keys.alice, refund('5.00', 'no-such-bot')), 400, 'invalid_request');
    expect(agent.issues).toEqual([{ path: 'agentId', message: 'no agent "no-such-bot"' }]);
    await expectError(dryRun(keys.agent, refund('5.00')), 403, 'forbidden');
  });

  it('GET /policy shows the active policy: version, file, rules and text', async () => {
    const shown = await expectJson(getPolicy(apiRequest('/api/v1/policy', { key: keys.victor }), ctx), 200, schemas.PolicyView);
    expect(shown).toMatchObject({ version: policy.version, source: DEFAULT_POLICY_FILE, ruleCount: policy.rules.length, rateLimitCount: policy.rateLimits.length });
    expect(shown.text).toContain('id: small-refunds');
    await expectError(getPolicy(apiRequest('/api/v1/policy', { key: keys.agent }), ctx), 403, 'forbidden');

    const broken: ApiContext = { ...ctx, policy: policyFromFile('/nonexistent/policy.yaml') };
    const error = await expectError(getPolicy(apiRequest('/api/v1/policy', { key: keys.victor }), broken), 503, 'unavailable');
    expect(error.message).toMatch(/the policy file does not load: \/nonexistent\/policy\.yaml/);
  });
});

describe('decisions with edited arguments', () => {
  it('approves 125.00 edited to 20.00: re-classified low, it runs with 20.00', async () => {
    const { actionId, argsHash } = await pendingRefund(keys.agent);
    const edited = refundArgs('20.00');
    const result = await expectJson(decide(actionId, keys.alice, { decision: 'approve', argsHash, editedArgs: edited, comment: 'partial refund' }), 200, schemas.DecideResultView);
    expect(result).toMatchObject({ accepted: true, approvalStatus: 'approved' });

    expect(await finalOutcome(keys.agent, actionId)).toMatchObject({ status: 'executed', output: { amount: '20.00', currency: 'EUR' } });
    const view = await readAction(actionId);
    expect(view).toMatchObject({ status: 'executed', args: { amount: '20.00' }, tier: 'low' });
    expect(view.approval?.decisions).toEqual([expect.objectContaining({ approverId: 'alice', decision: 'approve', editedArgs: expect.objectContaining({ amount: '20.00' }) })]);
    const ledgerRows = await h.db.prisma.ledgerEntry.findMany({ where: { idempotencyKey: { startsWith: actionId } } });
    expect(ledgerRows.map((e) => e.amount.toFixed(2))).toEqual(['20.00']);
  });

  it('refuses an edit that breaks the tool schema with 400 naming editedArgs.amount; the approval stays open', async () => {
    const { actionId, argsHash } = await pendingRefund(keys.agent);
    const bad = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash, editedArgs: { ...refundArgs('20.00'), amount: 'lots' } }), 400, 'invalid_request');
    expect(bad.issues).toEqual([{ path: 'editedArgs.amount', message: 'a decimal amount like "125.50"' }]);
    expect(bad.message).toMatch(/editedArgs\.amount/);
    const extra = await expectError(decide(actionId, keys.alice, { decision: 'approve', argsHash, editedArgs: { ...refundArgs('20.00'), memo: 'x' } }), 400, 'invalid_request');
    expect(extra.issues?.[0]?.path).toBe('editedArgs.memo');
    const denyEdit = await expectError(decide(actionId, keys.alice, { decision: 'deny', argsHash, editedArgs: refundArgs('20.00') }), 400, 'invalid_request');
    expect(denyEdit.issues).toEqual([{ path: 'editedArgs', message: 'only an approval can edit the arguments' }]);

    const view = await readAction(actionId);
    expect(view).toMatchObject({ status: 'awaiting_approval', args: { amount: '125.00' }, approval: { round: 1, status: 'open', decisions: [] } });
    await expectJson(decide(actionId, keys.alice, { decision: 'deny', argsHash }), 200, schemas.DecideResultView);
    expect((await finalOutcome(keys.agent, actionId)).status).toBe('denied');
  });
});
