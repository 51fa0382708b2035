import {
  deleteBudgetRoute,
  deleteKillSwitch,
  deleteSlackLink,
  getAgentKeys,
  getAgentSelf,
  getBudgets,
  getOutcome,
  getSlackLinks,
  getUserKeys,
  getUsers,
  patchAgent,
  patchBudget,
  patchUser,
  postAction,
  postAgent,
  postAgentDisable,
  postAgentKey,
  postBudget,
  postKeyRevocation,
  postKeyRotation,
  postKillSwitch,
  postSlackLink,
  postStandingApproval,
  postStandingApprovalRevocation,
  postUser,
  postUserDisable,
  postUserKey,
  postWebhook,
  putShadowPolicy,
  schemas,
  type ApiContext,
} from '@airlock/console';
import { describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { apiRequest, expectError, expectJson, useApiHarness } from './client.js';

// Every operator action over REST: one use case each, so one audit row each, naming
// the person whose key made the call; bad input names its field; lesser roles get an
// audited 403; a revoked key stops working on the very next request.

const { h, ctx, keys } = useApiHarness();

/** Route handlers with and without an `[id]` segment alike: those without one ignore the third argument. */
type Handler = (request: Request, ctx: ApiContext, params: { id: string }) => Promise<Response>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Calls a handler as Next.js would, for `path` with `params`. */
function call(handler: Handler, method: Method, path: string, key: string, body?: unknown, params?: { id: string }): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const request = new Request(`http://airlock.test/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return handler(request, ctx, params ?? { id: '' });
}

async function lastSeq(): Promise<bigint> {
  const last = await h.db.prisma.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true } });
  return last?.seq ?? 0n;
}

/** The audit rows `act` appended, in order. */
async function auditedBy<T>(act: () => Promise<T>): Promise<{ result: T; rows: { type: string; actor: string; payload: unknown }[] }> {
  const before = await lastSeq();
  const result = await act();
  const rows = await h.db.prisma.auditEvent.findMany({ where: { seq: { gt: before } }, orderBy: { seq: 'asc' }, select: { type: true, actor: true, payload: true } });
  return { result, rows };
}

/** Runs one operator action and checks it answered `status` and wrote exactly one audit row of `type` by `actor`. */
async function oneRow<S extends ZodType>(type: string, actor: string, status: number, schema: S, act: () => Promise<Response>) {
  const { result, rows } = await auditedBy(() => expectJson(act(), status, schema));
  expect(rows.map((r) => [r.type, r.actor])).toEqual([[type, actor]]);
  return { body: result, payload: rows[0]!.payload as Record<string, unknown> };
}

const submitAs = (agentKey: string, tool: string, args: Record<string, unknown>, idempotencyKey: string) =>
  postAction(apiRequest('/api/v1/actions', { key: agentKey, body: { tool, args, rationale: 'Management test.', idempotencyKey } }), ctx);

describe('every operator action over REST', () => {
  it('writes exactly one audit row naming the actor, for agents, keys, users, Slack links, budgets, grants and the kill switch', async () => {
    const bob = 'user:bob';
    const created = await oneRow('agent.created', bob, 201, schemas.AgentView, () =>
      call(postAgent, 'POST', '/agents', keys.bob, { id: 'rest-bot', team: 'ops', allowedTools: ['demo.*'] }),
    );
    expect(created.body).toMatchObject({ id: 'rest-bot', team: 'ops', allowedTools: ['demo.*'] });

    const updated = await oneRow('agent.updated', bob, 200, schemas.AgentView, () =>
      call(patchAgent, 'PATCH', '/agents/rest-bot', keys.bob, { ownerId: 'alice', team: 'ops-2' }, { id: 'rest-bot' }),
    );
    expect(updated.payload).toMatchObject({ agentId: 'rest-bot', changed: { ownerId: { before: null, after: 'alice' }, team: { before: 'ops', after: 'ops-2' } } });
    await oneRow('agent.tools_changed', bob, 200, schemas.AgentView, () =>
      call(patchAgent, 'PATCH', '/agents/rest-bot', keys.bob, { allowedTools: ['demo.echo'] }, { id: 'rest-bot' }),
    );

    const minted = await oneRow('api_key.minted', bob, 201, schemas.MintedKeyView, () =>
      call(postAgentKey, 'POST', '/agents/rest-bot/keys', keys.bob, { name: 'ci' }, { id: 'rest-bot' }),
    );
    expect(minted.body.secret).toMatch(/^alk_/);
    // The audit row says which key, never the secret.
    expect(JSON.stringify(minted.payload)).not.toContain(minted.body.secret);
    const listed = await expectJson(call(getAgentKeys, 'GET', '/agents/rest-bot/keys', keys.bob, undefined, { id: 'rest-bot' }), 200, schemas.KeyList);
    expect(listed.keys.map((k) => k.id)).toEqual([minted.body.key.id]);
    expect(JSON.stringify(listed)).not.toContain(minted.body.secret);

    const rotated = await oneRow('api_key.rotated', bob, 201, schemas.MintedKeyView, () =>
      call(postKeyRotation, 'POST', `/keys/${minted.body.key.id}/rotate`, keys.bob, {}, { id: minted.body.key.id }),
    );
    expect(rotated.payload).toMatchObject({ replacedKeyId: minted.body.key.id, agentId: 'rest-bot' });
    await oneRow('api_key.revoked', bob, 200, schemas.KeyRevocation, () =>
      call(postKeyRevocation, 'POST', `/keys/${rotated.body.key.id}/revoke`, keys.bob, undefined, { id: rotated.body.key.id }),
    );
    // A repeat changes nothing and writes nothing.
    const again = await auditedBy(() =>
      expectJson(call(postKeyRevocation, 'POST', `/keys/${rotated.body.key.id}/revoke`, keys.bob, undefined, { id: rotated.body.key.id }), 200, schemas.KeyRevocation),
    );
    expect(again.result.changed).toBe(false);
    expect(again.rows).toEqual([]);

    const user = await oneRow('user.created', bob, 201, schemas.CreatedUser, () => call(postUser, 'POST', '/users', keys.bob, { email: 'dana@example.test', role: 'viewer' }));
    const dana = user.body.user.id;
    expect(JSON.stringify(user.payload)).not.toContain(user.body.oneTimePassword);
    await oneRow('user.role_changed', bob, 200, schemas.UserView, () => call(patchUser, 'PATCH', `/users/${dana}`, keys.bob, { role: 'approver' }, { id: dana }));
    const danaKey = await oneRow('api_key.minted', bob, 201, schemas.MintedKeyView, () =>
      call(postUserKey, 'POST', `/users/${dana}/keys`, keys.bob, { name: 'laptop' }, { id: dana }),
    );
    expect(danaKey.body.key).toMatchObject({ userId: dana, agentId: null, name: 'laptop' });
    const userKeys = await expectJson(call(getUserKeys, 'GET', `/users/${dana}/keys`, keys.bob, undefined, { id: dana }), 200, schemas.KeyList);
    expect(userKeys.keys).toHaveLength(1);
    const users = await expectJson(call(getUsers, 'GET', '/users', keys.bob), 200, schemas.UserList);
    expect(users.users.find((u) => u.id === dana)?.role).toBe('approver');

    await oneRow('slack_link.created', bob, 201, schemas.SlackLinkView, () => call(postSlackLink, 'POST', '/slack-links', keys.bob, { slackUserId: 'U0DANA1', userId: dana }));
    const links = await expectJson(call(getSlackLinks, 'GET', '/slack-links', keys.bob), 200, schemas.SlackLinkList);
    expect(links.links).toEqual([expect.objectContaining({ slackUserId: 'U0DANA1', userId: dana, createdBy: bob })]);
    // The same link again changes nothing and writes nothing: its maker and time stay as the audit log says.
    const relinked = await auditedBy(() => expectJson(call(postSlackLink, 'POST', '/slack-links', keys.bob, { slackUserId: 'U0DANA1', userId: dana }), 201, schemas.SlackLinkView));
    expect(relinked.rows).toEqual([]);
    expect((await expectJson(call(getSlackLinks, 'GET', '/slack-links', keys.bob), 200, schemas.SlackLinkList)).links).toEqual(links.links);
    await oneRow('slack_link.deleted', bob, 200, schemas.SlackUnlinked, () => call(deleteSlackLink, 'DELETE', '/slack-links/U0DANA1', keys.bob, undefined, { id: 'U0DANA1' }));

    const disabledUser = await oneRow('user.disabled', bob, 200, schemas.Disabled, () =>
      call(postUserDisable, 'POST', `/users/${dana}/disable`, keys.bob, { reason: 'left the team' }, { id: dana }),
    );
    expect(disabledUser.body).toMatchObject({ changed: true, revokedKeys: 1 });

    const budget = await oneRow('budget.created', bob, 201, schemas.BudgetView, () =>
      call(postBudget, 'POST', '/budgets', keys.bob, { scope: 'agent', target: 'rest-bot', period: 'day', currency: 'EUR', limit: '100.00' }),
    );
    const changed = await oneRow('budget.changed', bob, 200, schemas.BudgetView, () =>
      call(patchBudget, 'PATCH', `/budgets/${budget.body.id}`, keys.bob, { limit: '250.00', approvalThreshold: '50.00' }, { id: budget.body.id }),
    );
    expect(changed.body).toMatchObject({ limit: '250.00', approvalThreshold: '50.00' });
    expect(changed.payload).toMatchObject({ before: { limit: '100.00', approvalThreshold: null } });
    await oneRow('budget.deleted', bob, 200, schemas.BudgetDeleted, () =>
      call(deleteBudgetRoute, 'DELETE', `/budgets/${budget.body.id}`, keys.bob, undefined, { id: budget.body.id }),
    );

    // Standing approvals are granted by an approver who does not own the agent.
    const grant = await oneRow('standing_approval.granted', 'user:alice', 201, schemas.StandingApprovalView, () =>
      call(postStandingApproval, 'POST', '/standing-approvals', keys.alice, {
        agentId: 'support-bot',
        tool: 'demo.echo',
        condition: 'true',
        reason: 'routine',
        validForHours: 1,
        maxUses: 2,
      }),
    );
    await oneRow('standing_approval.revoked', 'user:alice', 200, schemas.StandingApprovalRevocationView, () =>
      call(postStandingApprovalRevocation, 'POST', `/standing-approvals/${grant.body.id}/revoke`, keys.alice, undefined, { id: grant.body.id }),
    );

    await oneRow('kill_switch.on', bob, 200, schemas.KillSwitchResult, () =>
      call(postKillSwitch, 'POST', '/kill-switch', keys.bob, { scope: 'agent', target: 'rest-bot', reason: 'drill' }),
    );
    const lifted = await auditedBy(() => call(deleteKillSwitch, 'DELETE', '/kill-switch', keys.bob, { scope: 'agent', target: 'rest-bot' }));
    expect(lifted.result.status).toBe(200);
    expect(lifted.rows.map((r) => [r.type, r.actor])).toEqual([['kill_switch.off', bob]]);

    const disabled = await oneRow('agent.disabled', bob, 200, schemas.Disabled, () =>
      call(postAgentDisable, 'POST', '/agents/rest-bot/disable', keys.bob, { reason: 'retired' }, { id: 'rest-bot' }),
    );
    expect(disabled.body).toMatchObject({ changed: true, revokedKeys: 0 });
  });
});

describe('bad input', () => {
  it('gets 400 naming the field, and writes nothing', async () => {
    const aliceKeys = await h.db.prisma.apiKey.count({ where: { userId: 'alice' } });
    const budget = await expectJson(
      call(postBudget, 'POST', '/budgets', keys.bob, { scope: 'team', target: 'support', period: 'month', currency: 'EUR', limit: '900.00' }),
      201,
      schemas.BudgetView,
    );
    const cases: [string, () => Promise<Response>, string][] = [
      ['empty team', () => call(postAgent, 'POST', '/agents', keys.bob, { id: 'bad-bot', team: ' ' }), 'team'],
      ['no id', () => call(postAgent, 'POST', '/agents', keys.bob, { team: 'ops' }), 'id'],
      ['bad tool glob', () => call(postAgent, 'POST', '/agents', keys.bob, { id: 'bad-bot', team: 'ops', allowedTools: ['demo.echo', 'pay*ments'] }), 'allowedTools.1'],
      ['unknown field', () => call(postAgent, 'POST', '/agents', keys.bob, { id: 'bad-bot', team: 'ops', colour: 'red' }), 'colour'],
      ['nothing to change', () => call(patchAgent, 'PATCH', '/agents/billing-bot', keys.bob, {}, { id: 'billing-bot' }), '(root)'],
      ['past expiry', () => call(postAgentKey, 'POST', '/agents/billing-bot/keys', keys.bob, { expiresAt: '2001-01-01T00:00:00Z' }, { id: 'billing-bot' }), 'expiresAt'],
      ['key with two owners', () => call(postAgentKey, 'POST', '/agents/billing-bot/keys', keys.bob, { userId: 'alice' }, { id: 'billing-bot' }), 'agentId'],
      ['bad email', () => call(postUser, 'POST', '/users', keys.bob, { email: 'not-an-address', role: 'viewer' }), 'email'],
      ['unknown role', () => call(patchUser, 'PATCH', '/users/alice', keys.bob, { role: 'superuser' }, { id: 'alice' }), 'role'],
      ['disable without a reason', () => call(postUserDisable, 'POST', '/users/alice/disable', keys.bob, {}, { id: 'alice' }), 'reason'],
      ['bad Slack id', () => call(postSlackLink, 'POST', '/slack-links', keys.bob, { slackUserId: 'alice', userId: 'alice' }), 'slackUserId'],
      ['negative limit', () => call(postBudget, 'POST', '/budgets', keys.bob, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'EUR', limit: '-5' }), 'limit'],
      ['threshold above limit', () => call(patchBudget, 'PATCH', `/budgets/${budget.id}`, keys.bob, { approvalThreshold: '1000.00' }, { id: budget.id }), 'approvalThreshold'],
      ['threshold not money', () => call(patchBudget, 'PATCH', `/budgets/${budget.id}`, keys.bob, { approvalThreshold: 'lots' }, { id: budget.id }), 'approvalThreshold'],
      // What the path names is not the body's to say: refused, never overwritten (nor taken instead).
      ['agent id in the body', () => call(patchAgent, 'PATCH', '/agents/billing-bot', keys.bob, { id: 'support-bot', name: 'x' }, { id: 'billing-bot' }), 'id'],
      ['user id in the body', () => call(postUserKey, 'POST', '/users/alice/keys', keys.bob, { userId: 'bob' }, { id: 'alice' }), 'userId'],
      ['agent id in a key body', () => call(postAgentKey, 'POST', '/agents/billing-bot/keys', keys.bob, { agentId: 'support-bot' }, { id: 'billing-bot' }), 'agentId'],
      ['budget id in the body', () => call(patchBudget, 'PATCH', `/budgets/${budget.id}`, keys.bob, { id: budget.id, limit: '5.00' }, { id: budget.id }), 'id'],
      ['user id in a role change', () => call(patchUser, 'PATCH', '/users/alice', keys.bob, { id: 'victor', role: 'viewer' }, { id: 'alice' }), 'id'],
      // A time the calendar has, in ISO 8601: no rolling February 30th over to March 2nd, no "Dec 25 2030".
      ['impossible expiry', () => call(postUserKey, 'POST', '/users/alice/keys', keys.bob, { expiresAt: '2099-02-30T00:00:00Z' }, { id: 'alice' }), 'expiresAt'],
      ['expiry at 24:00', () => call(postUserKey, 'POST', '/users/alice/keys', keys.bob, { expiresAt: '2099-01-01T24:00:00Z' }, { id: 'alice' }), 'expiresAt'],
      ['expiry in words', () => call(postUserKey, 'POST', '/users/alice/keys', keys.bob, { expiresAt: 'Dec 25 2099' }, { id: 'alice' }), 'expiresAt'],
      ['expiry a bare year', () => call(postUserKey, 'POST', '/users/alice/keys', keys.bob, { expiresAt: '2099' }, { id: 'alice' }), 'expiresAt'],
      ['expiry a number', () => call(postUserKey, 'POST', '/users/alice/keys', keys.bob, { expiresAt: 4102444800000 }, { id: 'alice' }), 'expiresAt'],
    ];
    for (const [name, act, path] of cases) {
      const { result: error, rows } = await auditedBy(() => expectError(act(), 400, 'invalid_request'));
      expect(
        error.issues?.map((i) => i.path),
        name,
      ).toContain(path);
      expect(error.message, name).toContain(path);
      expect(rows, name).toEqual([]);
    }
    expect(await h.db.prisma.agent.count({ where: { id: 'bad-bot' } })).toBe(0);
    expect(await h.db.prisma.apiKey.count({ where: { userId: 'alice' } })).toBe(aliceKeys);
    expect((await h.db.prisma.agent.findUniqueOrThrow({ where: { id: 'billing-bot' } })).name).not.toBe('x');
  });

  it('takes an ISO 8601 expiry the calendar has, leap day included', async () => {
    const minted = await expectJson(
      call(postUserKey, 'POST', '/users/victor/keys', keys.bob, { expiresAt: '2096-02-29T12:00:00+02:00' }, { id: 'victor' }),
      201,
      schemas.MintedKeyView,
    );
    expect(minted.key.expiresAt).toBe('2096-02-29T10:00:00.000Z');
    await expectJson(call(postKeyRevocation, 'POST', `/keys/${minted.key.id}/revoke`, keys.bob, undefined, { id: minted.key.id }), 200, schemas.KeyRevocation);
  });

  it('gets 404 for what does not exist and 409 for what is taken, naming the field', async () => {
    const missing = await expectError(call(postAgentKey, 'POST', '/agents/ghost-bot/keys', keys.bob, {}, { id: 'ghost-bot' }), 404, 'not_found');
    expect(missing.issues?.map((i) => i.path)).toEqual(['agentId']);
    const taken = await expectError(call(postAgent, 'POST', '/agents', keys.bob, { id: 'billing-bot', team: 'x' }), 409, 'already_exists');
    expect(taken.issues?.map((i) => i.path)).toEqual(['id']);
    const noOwner = await expectError(call(patchAgent, 'PATCH', '/agents/billing-bot', keys.bob, { ownerId: 'nobody' }, { id: 'billing-bot' }), 404, 'not_found');
    expect(noOwner.issues?.map((i) => i.path)).toEqual(['ownerId']);
    // Listing the keys of an agent or a person that does not exist is not "no keys".
    const ghostKeys = await expectError(call(getAgentKeys, 'GET', '/agents/ghost-bot/keys', keys.bob, undefined, { id: 'ghost-bot' }), 404, 'not_found');
    expect(ghostKeys.message).toBe('no agent "ghost-bot"');
    const nobodyKeys = await expectError(call(getUserKeys, 'GET', '/users/nobody/keys', keys.bob, undefined, { id: 'nobody' }), 404, 'not_found');
    expect(nobodyKeys.issues).toEqual([{ path: 'userId', message: 'no user "nobody"' }]);
  });
});

describe('text that cannot be stored', () => {
  // PostgreSQL text cannot hold NUL (a 500, rolled back); UTF-8 cannot carry a lone surrogate (stored as U+FFFD,
  // or a 500 where it reaches an audit payload). Every operator field and id refuses both, naming it.
  async function rowCounts(): Promise<string> {
    const [row] = await h.db.prisma.$queryRawUnsafe<Record<string, bigint>[]>(
      `SELECT (SELECT count(*) FROM agents) AS agents, (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM api_keys) AS keys,
              (SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL) AS revoked, (SELECT count(*) FROM budgets) AS budgets,
              (SELECT count(*) FROM standing_approvals) AS grants, (SELECT count(*) FROM kill_switches) AS switches,
              (SELECT count(*) FROM slack_user_links) AS links, (SELECT count(*) FROM webhook_subscriptions) AS webhooks,
              (SELECT count(*) FROM shadow_policies) AS shadow, (SELECT string_agg(id || name || team || coalesce(owner_id, ''), ',' ORDER BY id) FROM agents) AS agent_fields`,
    );
    return JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }

  it('gets 400 naming the field, in bodies, paths and queries, and writes no row and no audit row', async () => {
    const policy = 'apiVersion: airlock/v1\nrules: []\n';
    const grant = { agentId: 'support-bot', tool: 'demo.echo', condition: 'true', validForHours: 1, maxUses: 1 };
    const budget = { scope: 'agent', period: 'day', currency: 'USD', limit: '10.00' };
    const cases: [string, () => Promise<Response>, string][] = [
      ['agent team', () => call(postAgent, 'POST', '/agents', keys.bob, { id: 'nulbot', team: 'a\u0000b' }), 'team'],
      ['agent team, lone surrogate', () => call(postAgent, 'POST', '/agents', keys.bob, { id: 'surbot', team: 'a\ud800b' }), 'team'],
      ['agent name', () => call(patchAgent, 'PATCH', '/agents/billing-bot', keys.bob, { name: 'n\u0000' }, { id: 'billing-bot' }), 'name'],
      ['agent owner', () => call(patchAgent, 'PATCH', '/agents/billing-bot', keys.bob, { ownerId: 'n\u0000' }, { id: 'billing-bot' }), 'ownerId'],
      ['disable reason', () => call(postAgentDisable, 'POST', '/agents/billing-bot/disable', keys.bob, { reason: 'r\u0000' }, { id: 'billing-bot' }), 'reason'],
      ['disable reason, lone surrogate', () => call(postAgentDisable, 'POST', '/agents/billing-bot/disable', keys.bob, { reason: 'x\udfff' }, { id: 'billing-bot' }), 'reason'],
      ['key name', () => call(postAgentKey, 'POST', '/agents/billing-bot/keys', keys.bob, { name: 'k\u0000' }, { id: 'billing-bot' }), 'name'],
      ['user name', () => call(postUser, 'POST', '/users', keys.bob, { email: 'x@example.com', name: 'a\u0000', role: 'viewer' }), 'name'],
      ['user name, lone surrogate', () => call(postUser, 'POST', '/users', keys.bob, { email: 'y@example.com', name: '\ud800', role: 'viewer' }), 'name'],
      ['kill switch reason', () => call(postKillSwitch, 'POST', '/kill-switch', keys.bob, { scope: 'agent', target: 'billing-bot', reason: 'r\u0000' }), 'reason'],
      ['kill switch reason, lone surrogate', () => call(postKillSwitch, 'POST', '/kill-switch', keys.bob, { scope: 'agent', target: 'billing-bot', reason: 'r\ud800' }), 'reason'],
      ['kill switch lift target', () => call(deleteKillSwitch, 'DELETE', '/kill-switch', keys.bob, { scope: 'agent', target: 'a\u0000' }), 'target'],
      ['grant reason', () => call(postStandingApproval, 'POST', '/standing-approvals', keys.alice, { ...grant, reason: 'r\u0000' }), 'reason'],
      ['budget target', () => call(postBudget, 'POST', '/budgets', keys.bob, { ...budget, target: 'de\u0000mo-agent' }), 'target'],
      ['Slack link user', () => call(postSlackLink, 'POST', '/slack-links', keys.bob, { slackUserId: 'U024BE7LH', userId: 'ad\u0000min' }), 'userId'],
      ['webhook description', () => call(postWebhook, 'POST', '/webhooks', keys.bob, { url: 'https://example.com/hook', description: 'd\u0000' }), 'description'],
      ['shadow policy source', () => call(putShadowPolicy, 'PUT', '/policy/shadow', keys.bob, { policy, source: 'a\u0000' }), 'source'],
      ['key to revoke', () => call(postKeyRevocation, 'POST', '/keys/a%00b/revoke', keys.bob, undefined, { id: 'a\u0000b' }), 'id'],
      ['key to rotate', () => call(postKeyRotation, 'POST', '/keys/a%00b/rotate', keys.bob, {}, { id: 'a\u0000b' }), 'id'],
      ['budget to delete', () => call(deleteBudgetRoute, 'DELETE', '/budgets/a%00b', keys.bob, undefined, { id: 'a\u0000b' }), 'id'],
      ['grant to revoke', () => call(postStandingApprovalRevocation, 'POST', '/standing-approvals/a%00b/revoke', keys.alice, undefined, { id: 'a\u0000b' }), 'id'],
      ['agent keys', () => call(getAgentKeys, 'GET', '/agents/a%00b/keys', keys.bob, undefined, { id: 'a\u0000b' }), 'agentId'],
      ['user keys', () => call(getUserKeys, 'GET', '/users/a%00b/keys', keys.bob, undefined, { id: 'a\u0000b' }), 'userId'],
      ['budgets by target', () => call(getBudgets, 'GET', '/budgets?target=a%00b', keys.bob), 'target'],
    ];
    const before = await rowCounts();
    for (const [name, act, path] of cases) {
      const { result: error, rows } = await auditedBy(() => expectError(act(), 400, 'invalid_request'));
      expect(error.issues, name).toEqual([{ path, message: expect.stringMatching(/NUL|lone surrogate/) as unknown }]);
      expect(rows, name).toEqual([]);
    }
    expect(await rowCounts()).toBe(before);
  });
});

describe('roles', () => {
  it('a viewer or an approver gets 403 from every admin endpoint, and each refusal is audited', async () => {
    const attempts: [string, (key: string) => Promise<Response>][] = [
      ['agent.create', (k) => call(postAgent, 'POST', '/agents', k, { id: 'sneaky-bot', team: 'x' })],
      ['agent.update', (k) => call(patchAgent, 'PATCH', '/agents/billing-bot', k, { allowedTools: ['*'] }, { id: 'billing-bot' })],
      ['agent.disable', (k) => call(postAgentDisable, 'POST', '/agents/billing-bot/disable', k, { reason: 'x' }, { id: 'billing-bot' })],
      ['api_key.list', (k) => call(getAgentKeys, 'GET', '/agents/billing-bot/keys', k, undefined, { id: 'billing-bot' })],
      ['api_key.mint', (k) => call(postAgentKey, 'POST', '/agents/billing-bot/keys', k, {}, { id: 'billing-bot' })],
      ['api_key.mint', (k) => call(postUserKey, 'POST', '/users/victor/keys', k, {}, { id: 'victor' })],
      ['api_key.rotate', (k) => call(postKeyRotation, 'POST', '/keys/x/rotate', k, {}, { id: 'x' })],
      ['api_key.revoke', (k) => call(postKeyRevocation, 'POST', '/keys/x/revoke', k, undefined, { id: 'x' })],
      ['user.list', (k) => call(getUsers, 'GET', '/users', k)],
      ['user.create', (k) => call(postUser, 'POST', '/users', k, { email: 'mallory@example.test', role: 'admin' })],
      ['user.change_role', (k) => call(patchUser, 'PATCH', '/users/victor', k, { role: 'admin' }, { id: 'victor' })],
      ['user.disable', (k) => call(postUserDisable, 'POST', '/users/bob/disable', k, { reason: 'x' }, { id: 'bob' })],
      ['slack_link.list', (k) => call(getSlackLinks, 'GET', '/slack-links', k)],
      ['slack_link.create', (k) => call(postSlackLink, 'POST', '/slack-links', k, { slackUserId: 'U0MALLORY', userId: 'bob' })],
      ['slack_link.delete', (k) => call(deleteSlackLink, 'DELETE', '/slack-links/U0MALLORY', k, undefined, { id: 'U0MALLORY' })],
      ['budget.create', (k) => call(postBudget, 'POST', '/budgets', k, { scope: 'tenant', target: '*', period: 'day', currency: 'USD', limit: '1.00' })],
      ['budget.change', (k) => call(patchBudget, 'PATCH', '/budgets/x', k, { limit: '1.00' }, { id: 'x' })],
      ['budget.delete', (k) => call(deleteBudgetRoute, 'DELETE', '/budgets/x', k, undefined, { id: 'x' })],
    ];
    for (const [who, key] of [
      ['victor', keys.victor],
      ['alice', keys.alice],
    ] as const) {
      for (const [action, attempt] of attempts) {
        const { rows } = await auditedBy(() => expectError(attempt(key), 403, 'forbidden'));
        expect(rows, `${who} ${action}`).toEqual([
          { type: 'operator.forbidden', actor: `user:${who}`, payload: expect.objectContaining({ action, requiredRole: 'admin', channel: 'api' }) },
        ]);
      }
    }
    expect(await h.db.prisma.agent.count({ where: { id: 'sneaky-bot' } })).toBe(0);
    expect((await h.db.prisma.user.findUniqueOrThrow({ where: { id: 'victor' } })).role).toBe('viewer');
    expect(await h.db.prisma.user.count({ where: { email: 'mallory@example.test' } })).toBe(0);
  });

  it('an agent key is no operator at all (403), and an unknown key is 401', async () => {
    await expectError(call(postAgent, 'POST', '/agents', keys.agent, { id: 'self-made-bot', team: 'x' }), 403, 'forbidden');
    await expectError(call(getUsers, 'GET', '/users', 'alk_not_a_key'), 401, 'unauthenticated');
    expect(await h.db.prisma.agent.count({ where: { id: 'self-made-bot' } })).toBe(0);
  });
});

describe('keys in use', () => {
  it('an agent made over REST acts with its minted key through the gate, and only within its tools', async () => {
    await expectJson(call(postAgent, 'POST', '/agents', keys.bob, { id: 'fresh-bot', team: 'support', allowedTools: ['demo.echo'] }), 201, schemas.AgentView);
    const { secret } = await expectJson(call(postAgentKey, 'POST', '/agents/fresh-bot/keys', keys.bob, {}, { id: 'fresh-bot' }), 201, schemas.MintedKeyView);
    const me = await expectJson(getAgentSelf(apiRequest('/api/v1/agents/me', { key: secret }), ctx), 200, schemas.AgentSelf);
    expect(me).toMatchObject({ id: 'fresh-bot' });

    const submitted = await expectJson(submitAs(secret, 'demo.echo', { message: 'hello from a new agent' }, 'fresh-1'), 202, schemas.SubmittedActionView);
    const outcome = await expectJson(
      getOutcome(apiRequest(`/api/v1/actions/${submitted.actionId}/outcome?waitMs=20000`, { key: secret }), ctx, { id: submitted.actionId }),
      200,
      schemas.ActionOutcome,
    );
    expect(outcome).toMatchObject({ status: 'executed' });
    const outside = await expectJson(submitAs(secret, 'demo.sleep', { ms: 1 }, 'fresh-2'), 202, schemas.SubmittedActionView);
    const denied = await expectJson(
      getOutcome(apiRequest(`/api/v1/actions/${outside.actionId}/outcome?waitMs=20000`, { key: secret }), ctx, { id: outside.actionId }),
      200,
      schemas.ActionOutcome,
    );
    expect(denied).toMatchObject({ status: 'denied' });
  });

  it('a revoked key is refused on the very next request; a rotated key gives way to its replacement; a disabled agent’s keys stop', async () => {
    await expectJson(call(postAgent, 'POST', '/agents', keys.bob, { id: 'keyed-bot', team: 'support', allowedTools: ['demo.*'] }), 201, schemas.AgentView);
    const first = await expectJson(call(postAgentKey, 'POST', '/agents/keyed-bot/keys', keys.bob, { name: 'one' }, { id: 'keyed-bot' }), 201, schemas.MintedKeyView);
    await expectJson(submitAs(first.secret, 'demo.echo', { message: 'before' }, 'keyed-1'), 202, schemas.SubmittedActionView);
    const used = await expectJson(call(getAgentKeys, 'GET', '/agents/keyed-bot/keys', keys.bob, undefined, { id: 'keyed-bot' }), 200, schemas.KeyList);
    expect(used.keys[0]?.lastUsedAt).not.toBeNull();

    await expectJson(call(postKeyRevocation, 'POST', `/keys/${first.key.id}/revoke`, keys.bob, undefined, { id: first.key.id }), 200, schemas.KeyRevocation);
    await expectError(submitAs(first.secret, 'demo.echo', { message: 'after' }, 'keyed-2'), 401, 'unauthenticated');

    const second = await expectJson(call(postAgentKey, 'POST', '/agents/keyed-bot/keys', keys.bob, { name: 'two' }, { id: 'keyed-bot' }), 201, schemas.MintedKeyView);
    const replacement = await expectJson(call(postKeyRotation, 'POST', `/keys/${second.key.id}/rotate`, keys.bob, {}, { id: second.key.id }), 201, schemas.MintedKeyView);
    await expectError(submitAs(second.secret, 'demo.echo', { message: 'old key' }, 'keyed-3'), 401, 'unauthenticated');
    await expectJson(submitAs(replacement.secret, 'demo.echo', { message: 'new key' }, 'keyed-4'), 202, schemas.SubmittedActionView);

    // An expired key's replacement would inherit its past expiry, a secret refused at once: 409 naming expiresAt, nothing
    // revoked or minted; given a future expiresAt, it rotates.
    const third = await expectJson(call(postAgentKey, 'POST', '/agents/keyed-bot/keys', keys.bob, { name: 'three' }, { id: 'keyed-bot' }), 201, schemas.MintedKeyView);
    await h.db.pool.query("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1", [third.key.id]);
    const expired = await auditedBy(() => expectError(call(postKeyRotation, 'POST', `/keys/${third.key.id}/rotate`, keys.bob, {}, { id: third.key.id }), 409, 'conflict'));
    expect(expired.result.issues?.map((i) => i.path)).toEqual(['expiresAt']);
    // Only key rows: the actions submitted above may still be writing theirs.
    expect(expired.rows.filter((r) => r.type.startsWith('api_key.'))).toEqual([]);
    expect((await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: third.key.id } })).revokedAt).toBeNull();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const renewed = await expectJson(
      call(postKeyRotation, 'POST', `/keys/${third.key.id}/rotate`, keys.bob, { expiresAt: future }, { id: third.key.id }),
      201,
      schemas.MintedKeyView,
    );
    await expectJson(submitAs(renewed.secret, 'demo.echo', { message: 'renewed key' }, 'keyed-4b'), 202, schemas.SubmittedActionView);

    await expectJson(call(postAgentDisable, 'POST', '/agents/keyed-bot/disable', keys.bob, { reason: 'done' }, { id: 'keyed-bot' }), 200, schemas.Disabled);
    await expectError(submitAs(replacement.secret, 'demo.echo', { message: 'disabled' }, 'keyed-5'), 401, 'unauthenticated');

    // A user key revoked by the API ends that person's API access at once too.
    const mint = await expectJson(call(postUserKey, 'POST', '/users/victor/keys', keys.bob, {}, { id: 'victor' }), 201, schemas.MintedKeyView);
    await expectJson(call(getSlackLinks, 'GET', '/slack-links', keys.bob), 200, schemas.SlackLinkList);
    await expectError(call(getSlackLinks, 'GET', '/slack-links', mint.secret), 403, 'forbidden');
    await expectJson(call(postKeyRevocation, 'POST', `/keys/${mint.key.id}/revoke`, keys.bob, undefined, { id: mint.key.id }), 200, schemas.KeyRevocation);
    await expectError(call(getSlackLinks, 'GET', '/slack-links', mint.secret), 401, 'unauthenticated');
  });
});
