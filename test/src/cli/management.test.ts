import { describe, expect, inject, it } from 'vitest';
import { refundRequest, submitAndWaitForApproval, waitForStatus } from '../support/actions.js';
import { runCli, type CliRun } from '../support/cli.js';
import { useSeededHarness } from '../support/harness.js';

// The management commands as a person types them (`npm run airlock -- ...`): each
// operator command is one use case, so one audit row naming who did it; bad input
// exits 1 with a message naming the option; the terminal inbox decides through the workflow.

const h = useSeededHarness();

async function airlock(...args: string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: h.database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' };
  for (const name of ['AIRLOCK_PUBLIC_URL', 'AIRLOCK_PAYLOAD_KEYS', 'NODE_OPTIONS']) delete env[name];
  return runCli(env, ...args);
}

async function lastSeq(): Promise<bigint> {
  return (await h.db.prisma.auditEvent.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true } }))?.seq ?? 0n;
}

/** Runs a command that must succeed and write exactly one audit row of `type` by `actor`; returns its output. */
async function oneRow(type: string, actor: string | RegExp, ...args: string[]): Promise<string> {
  const before = await lastSeq();
  const result = await airlock(...args);
  expect(result, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
  const rows = await h.db.prisma.auditEvent.findMany({ where: { seq: { gt: before } }, orderBy: { seq: 'asc' }, select: { type: true, actor: true } });
  expect(rows, args.join(' ')).toEqual([{ type, actor: typeof actor === 'string' ? actor : expect.stringMatching(actor) }]);
  return result.stdout;
}

/** Runs a command that must fail with exit 1, `message` on stderr, and no audit row other than `audited`. */
async function refused(message: string | RegExp, args: string[], audited: { type: string; actor: string }[] = []): Promise<void> {
  const before = await lastSeq();
  const result = await airlock(...args);
  expect(result.code, args.join(' ')).toBe(1);
  if (typeof message === 'string') expect(result.stderr, args.join(' ')).toBe(`airlock: ${message}\n`);
  else expect(result.stderr, args.join(' ')).toMatch(message);
  expect(result.stdout).toBe('');
  const rows = await h.db.prisma.auditEvent.findMany({ where: { seq: { gt: before } }, orderBy: { seq: 'asc' }, select: { type: true, actor: true } });
  expect(rows, args.join(' ')).toEqual(audited);
}

describe('airlock management commands: each writes exactly one audit row naming the actor (--by, or the OS account)', () => {
  const bob = 'user:bob';
  // Each test is a handful of real CLI runs: a process start each, slow on a loaded machine.
  const slow = { timeout: 900_000 };

  it('agents create | update | list | disable', slow, async () => {
    expect(await oneRow('agent.created', bob, 'agents', 'create', 'cli-bot', '--team', 'ops', '--tools', 'demo.*, payments.refund', '--by', 'bob')).toContain('cli-bot');
    expect(await oneRow('agent.updated', bob, 'agents', 'update', 'cli-bot', '--owner', 'alice', '--by', 'bob')).toBe(
      'updated agent cli-bot: team ops, owner alice, tools demo.*, payments.refund\n',
    );
    const list = await airlock('agents', 'list');
    expect(list.stdout).toMatch(/cli-bot\s+cli-bot\s+ops\s+alice\s+demo\.\*,payments\.refund\s+active/);
    // Without --by the command acts as the operating-system account, and says so in the audit row.
    expect(await oneRow('agent.disabled', /^cli:/, 'agents', 'disable', 'cli-bot', '--reason', 'retired')).toBe('disabled agent cli-bot; revoked 0 key(s)\n');
  });

  it('keys mint | list | rotate | revoke: the secret is printed once and never listed', slow, async () => {
    const minted = await oneRow('api_key.minted', bob, 'keys', 'mint', '--agent', 'billing-bot', '--name', 'ci', '--by', 'bob');
    const keyId = /^minted key (\S+) \(alk_/.exec(minted)?.[1];
    const secret = /^key: (alk_\S+)$/m.exec(minted)?.[1];
    expect(keyId && secret, minted).toBeTruthy();
    expect(minted).toContain('Shown only once');
    const keys = await airlock('keys', 'list', '--agent', 'billing-bot');
    expect(keys.stdout).toContain(keyId!);
    expect(keys.stdout).not.toContain(secret!);

    const rotated = await oneRow('api_key.rotated', bob, 'keys', 'rotate', keyId!, '--by', 'bob');
    const newKeyId = /its replacement is (\S+) \(/.exec(rotated)?.[1];
    expect(newKeyId).toBeTruthy();
    expect(await oneRow('api_key.revoked', bob, 'keys', 'revoke', newKeyId!, '--by', 'bob')).toContain('it is refused from the next request on');
    expect((await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: newKeyId! } })).revokedAt).not.toBeNull();
  });

  it('users add | role | disable, with a user key', slow, async () => {
    expect(await oneRow('user.created', bob, 'users', 'add', '--email', 'erin@example.test', '--role', 'viewer', '--by', 'bob')).toMatch(
      /^created user erin \(erin@example\.test, viewer\)\none-time password: \S+/,
    );
    expect(await oneRow('user.role_changed', bob, 'users', 'role', 'erin@example.test', 'approver', '--by', 'bob')).toBe('erin is now approver\n');
    expect(await oneRow('api_key.minted', bob, 'keys', 'mint', '--user', 'erin', '--by', 'bob')).toMatch(/for user erin/);
    expect(await oneRow('user.disabled', bob, 'users', 'disable', 'erin', '--reason', 'left', '--by', 'bob')).toBe('disabled erin; revoked 1 key(s); their sessions have ended\n');
  });

  it('slack link | links | unlink', slow, async () => {
    expect(await oneRow('slack_link.created', bob, 'slack', 'link', 'U0ALICE1', 'alice', '--by', 'bob')).toBe('linked Slack user U0ALICE1 to alice\n');
    expect((await airlock('slack', 'links')).stdout).toMatch(/U0ALICE1\s+alice\s+user:bob/);
    expect(await oneRow('slack_link.deleted', bob, 'slack', 'unlink', 'U0ALICE1', '--by', 'bob')).toBe('removed the link from Slack user U0ALICE1 to alice\n');
  });

  it('budgets create | change | list | delete', slow, async () => {
    const created = await oneRow(
      'budget.created',
      bob,
      'budgets',
      'create',
      '--scope',
      'agent',
      '--target',
      'billing-bot',
      '--period',
      'day',
      '--currency',
      'EUR',
      '--limit',
      '100.00',
      '--by',
      'bob',
    );
    const budgetId = /^created budget (\S+):/.exec(created)?.[1];
    expect(budgetId, created).toBeTruthy();
    expect(await oneRow('budget.changed', bob, 'budgets', 'change', budgetId!, '--limit', '200.00', '--threshold', '50.00', '--by', 'bob')).toBe(
      `changed budget ${budgetId}: limit 200.00 EUR, approval threshold 50.00\n`,
    );
    expect((await airlock('budgets', 'list')).stdout).toMatch(new RegExp(`${budgetId}\\s+agent\\s+billing-bot\\s+day\\s+200\\.00 EUR\\s+50\\.00`));
    expect(await oneRow('budget.deleted', bob, 'budgets', 'delete', budgetId!, '--by', 'bob')).toBe(`deleted budget ${budgetId}\n`);
  });
});

describe('airlock management commands: refusals', () => {
  it('bad input exits 1 with a message naming the option, and writes nothing', { timeout: 900_000 }, async () => {
    await refused('--team: must not be empty', ['agents', 'create', 'bad-bot', '--team', ' ', '--by', 'bob']);
    await refused('--tools (item 2): a tool name or a glob like "payments.*"', ['agents', 'create', 'bad-bot', '--team', 'ops', '--tools', 'demo.echo,pay*ments', '--by', 'bob']);
    await refused('--expires: must be in the future', ['keys', 'mint', '--agent', 'billing-bot', '--expires', '2001-01-01T00:00:00Z']);
    await refused('name exactly one owner: --agent <id> or --user <user>', ['keys', 'mint']);
    await refused('no API key "nope"', ['keys', 'revoke', 'nope']);
    // Each was zod's `Invalid option: expected one of "day"|"month"`, or `required: expected string`.
    await refused('--period: must be one of day, month (got "week")', [
      'budgets',
      'create',
      '--scope',
      'agent',
      '--target',
      'billing-bot',
      '--period',
      'week',
      '--currency',
      'EUR',
      '--limit',
      '1.00',
    ]);
    await refused('--scope: must be one of agent, team, tenant (got "world")', [
      'budgets',
      'create',
      '--scope',
      'world',
      '--target',
      'x',
      '--period',
      'day',
      '--currency',
      'EUR',
      '--limit',
      '1.00',
    ]);
    await refused('--target: required with --scope team: the team name the budget covers', [
      'budgets',
      'create',
      '--scope',
      'team',
      '--period',
      'day',
      '--currency',
      'EUR',
      '--limit',
      '1.00',
    ]);
    await refused(/^airlock: --limit: /, ['budgets', 'create', '--scope', 'agent', '--target', 'billing-bot', '--period', 'day', '--currency', 'EUR', '--limit', 'ten']);
    // An agent that does not exist (a typo) got a budget that never applied.
    await refused('--target: no agent "billing-bott"', [
      'budgets',
      'create',
      '--scope',
      'agent',
      '--target',
      'billing-bott',
      '--period',
      'day',
      '--currency',
      'EUR',
      '--limit',
      '1.00',
    ]);
    expect(await h.db.prisma.budget.count({ where: { target: 'billing-bott' } })).toBe(0);
    await refused(/^airlock: <slack-user-id>: must be a Slack user id/, ['slack', 'link', 'alice', 'alice']);
    await refused('--role: must be one of viewer, approver, admin', ['users', 'role', 'alice', 'god']);
    await refused('no user with id or email "ghost"', ['agents', 'create', 'bad-bot', '--team', 'ops', '--by', 'ghost']);
    await refused(/required option '--team <name>' not specified/, ['agents', 'create', 'bad-bot']);
    expect(await h.db.prisma.agent.count({ where: { id: 'bad-bot' } })).toBe(0);
  });

  it('a viewer named with --by is refused (exit 1) and the refusal is audited', { timeout: 900_000 }, async () => {
    await refused(
      'role viewer may not do this; admin or higher is required (agent.create)',
      ['agents', 'create', 'bad-bot', '--team', 'ops', '--by', 'victor'],
      [{ type: 'operator.forbidden', actor: 'user:victor' }],
    );
    await refused(
      'role approver may not do this; admin or higher is required (api_key.mint)',
      ['keys', 'mint', '--agent', 'billing-bot', '--by', 'alice'],
      [{ type: 'operator.forbidden', actor: 'user:alice' }],
    );
    const row = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { type: 'operator.forbidden', actor: 'user:victor' } });
    expect(row.payload).toMatchObject({ action: 'agent.create', channel: 'cli', role: 'viewer' });
  });
});

/**
 * A printed table's rows as column → cell, each cell read at its header's offset: a cell out of its
 * column, or a rule that does not underline the headers, fails here rather than reading as the next cell.
 */
function tableRows(stdout: string): Record<string, string>[] {
  const [header = '', rule = '', ...rows] = stdout.replace(/\n$/, '').split('\n');
  const columns = header.split(/ {2,}/);
  let from = 0;
  const starts = columns.map((name) => {
    const at = header.indexOf(name, from);
    from = at + name.length;
    return at;
  });
  expect(rule, 'the rule under the headers').toMatch(/^[- ]+$/);
  expect(
    [...rule.matchAll(/-+/g)].map((dashes) => dashes.index),
    'the rule under the headers',
  ).toEqual(starts);
  return rows.map((row) => Object.fromEntries(columns.map((name, i) => [name, row.slice(starts[i], starts[i + 1]).trimEnd()])));
}

describe('airlock pending | approve | deny', () => {
  it('lists what waits, approves as an eligible approver, denies with feedback, and refuses who may not decide', { timeout: 900_000 }, async () => {
    const toApprove = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '125.00' }));
    const toDeny = await submitAndWaitForApproval(h.client, h.taskQueue, refundRequest({ amount: '130.00' }));
    const pending = await airlock('pending');
    expect(pending).toMatchObject({ code: 0, stderr: '' });
    // Every row and column, nearest deadline first (the first submitted); what the workflow opened is what is listed.
    const listed = ({ actionId, status }: typeof toApprove) => ({
      action: actionId,
      agent: 'billing-bot',
      tool: 'payments.refund',
      risk: status.classification?.tier,
      approvals: '0/1 approver',
      deadline: status.approval?.deadline ? new Date(status.approval.deadline).toISOString() : 'none',
      'args hash': status.argsHash.slice(0, 12),
      rationale: 'The customer was charged twice for order 881.',
    });
    expect(tableRows(pending.stdout)).toEqual([listed(toApprove), listed(toDeny)]);

    // The owner may not approve their own agent's request; a viewer may not decide at all.
    const owner = await airlock('approve', toApprove.actionId, '--by', 'owner');
    expect(owner.code).toBe(1);
    expect(owner.stderr).toMatch(/^airlock: .*owner/);
    const viewer = await airlock('approve', toApprove.actionId, '--by', 'victor');
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/^airlock: .*viewer/);

    // Bound to the arguments the person saw: the hash as pending shows it; another's is refused before anything is sent.
    const shown = toApprove.status.argsHash.slice(0, 12);
    const other = toDeny.status.argsHash.slice(0, 12);
    expect(await airlock('approve', toApprove.actionId, '--by', 'alice', '--args-hash', other)).toMatchObject({
      code: 1,
      stderr: `airlock: --args-hash: the arguments of ${toApprove.actionId} changed since you saw them (${other}): the open round's are ${shown} (see: npm run airlock -- pending)\n`,
    });
    expect((await airlock('approve', toApprove.actionId, '--by', 'alice', '--args-hash', 'abc')).stderr).toMatch(/^airlock: --args-hash: must be the arguments' hash/);
    expect(await airlock('approve', toApprove.actionId, '--by', 'alice', '--comment', 'checked the order', '--args-hash', shown)).toMatchObject({
      code: 0,
      stdout: `approved ${toApprove.actionId} (1 of 1); it runs now\n`,
    });
    await waitForStatus(h.client, toApprove.actionId, (s) => s.outcome?.status === 'executed');

    expect(await airlock('deny', toDeny.actionId, '--by', 'alice', '--feedback', 'refund the order total only')).toMatchObject({ code: 0, stdout: `denied ${toDeny.actionId}\n` });
    const denied = await waitForStatus(h.client, toDeny.actionId, (s) => s.outcome?.status === 'denied');
    expect(JSON.stringify(denied)).toContain('refund the order total only');

    expect(await airlock('pending')).toMatchObject({ code: 0, stdout: 'nothing is waiting for a decision\n' });
    const decided = await airlock('approve', toDeny.actionId, '--by', 'alice');
    expect(decided).toMatchObject({ code: 1, stderr: `airlock: <action-id>: ${toDeny.actionId} is not waiting for a decision (see: npm run airlock -- pending)\n` });
  });
});
