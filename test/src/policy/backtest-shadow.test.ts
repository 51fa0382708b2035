import { readFile } from 'node:fs/promises';
import { defaultActivityDeps, shadowPolicyFromDb } from '@airlock/activities';
import { submitAction } from '@airlock/core/gateway';
import { backtestPolicy, clearShadowPolicy, OpsError, runUseCase, setShadowPolicy, shadowSummary, type Operator } from '@airlock/ops';
import { compilePolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE } from '@airlock/policy/files';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundRequest, waitForStatus } from '../support/actions.js';
import { defaultPolicy, seedTeam, startHarness, type Harness } from '../support/harness.js';
import { candidatePolicy } from './candidate-policy.js';

// Policy backtest and shadow mode on history made by the real gate (real worker,
// real Temporal, real PostgreSQL): the stored arguments are really redacted.

const operator: Operator = { actor: 'user:bob', userId: 'bob', role: 'admin', channel: 'api' };

describe('policy backtest and shadow mode', () => {
  let h: Harness;
  const failures: string[] = [];
  let candidate: string;

  beforeAll(async () => {
    // Shadow read on every admission (refreshMs 0): no waiting for a worker to notice.
    h = await startHarness({
      deps: (db) => ({ ...defaultActivityDeps(db, defaultPolicy()), shadow: shadowPolicyFromDb(db, { refreshMs: 0, onFailure: (_e, what) => failures.push(what) }) }),
    });
    await seedTeam(h.db);
    candidate = await candidatePolicy();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  /** Submits and waits until admission has decided (approval pending or done). */
  async function admit(request: Parameters<typeof submitAction>[2]): Promise<string> {
    const { actionId } = await submitAction(h.client, h.taskQueue, request);
    await waitForStatus(h.client, actionId, (s) => s.phase !== 'classifying');
    return actionId;
  }

  const echo = (message: string) => ({
    agentId: 'billing-bot',
    tool: 'demo.echo',
    args: { message },
    rationale: 'smoke',
    idempotencyKey: `echo-${Math.random().toString(36).slice(2)}`,
  });

  it('backtest: decisions, tiers, approvals and money that would change; a rule over a redacted field is uncertain, not guessed', async () => {
    const ids = {
      small: await admit(refundRequest({ amount: '20.00' })),
      mid: await admit(refundRequest({ amount: '125.00' })),
      large: await admit(refundRequest({ amount: '2000.00' })),
      contact: await admit(echo('write to jane.doe@example.com please')),
      plain: await admit(echo('hello')),
    };
    const stored = await h.db.prisma.action.findUniqueOrThrow({ where: { id: ids.contact } });
    expect(JSON.stringify(stored.args)).toContain('[REDACTED:email]');

    const live = defaultPolicy().current();
    const report = await backtestPolicy(h.db, live, { candidate, source: 'candidate.yaml', since: '1d' });
    expect(report).toMatchObject({
      evaluated: 5,
      same: 1,
      changed: 3,
      uncertain: 1,
      skipped: 0,
      live: { version: live.version },
      candidate: { version: compilePolicy(candidate, 'x').version },
    });
    const row = (id: string) => report.rows.find((r) => r.actionId === id);
    expect(row(ids.small)).toMatchObject({
      status: 'changed',
      recorded: 'allow',
      live: { decision: 'allow', tier: 'low' },
      candidate: { decision: 'require_approval', tier: 'medium' },
      costEstimate: '20.00',
    });
    expect(row(ids.mid)).toMatchObject({ status: 'changed', live: { decision: 'require_approval', tier: 'high' }, candidate: { decision: 'require_approval', tier: 'medium' } });
    expect(row(ids.large)).toMatchObject({ status: 'changed', live: { decision: 'require_approval', tier: 'critical' }, candidate: { decision: 'deny', tier: 'critical' } });
    expect(row(ids.contact)).toMatchObject({
      status: 'uncertain',
      unknownReads: expect.arrayContaining([{ policy: 'candidate', ruleId: 'echo-contacts', fields: ['args.message'] }]),
    });
    expect(row(ids.plain)).toBeUndefined();
    expect(report.transitions).toEqual(
      expect.arrayContaining([
        { from: 'allow', to: 'require_approval', count: 1, amount: '20.00', amounts: [{ currency: 'USD', amount: '20.00' }] },
        { from: 'require_approval', to: 'deny', count: 1, amount: '2000.00', amounts: [{ currency: 'USD', amount: '2000.00' }] },
      ]),
    );
    expect(report.transitions).toHaveLength(2);
    expect(report.tierShifts).toEqual(
      expect.arrayContaining([
        { from: 'low', to: 'medium', count: 1 },
        { from: 'high', to: 'medium', count: 1 },
      ]),
    );
    expect(report.approvals).toEqual({
      newlyAsked: { count: 1, amount: '20.00', amounts: [{ currency: 'USD', amount: '20.00' }] },
      noLongerAsked: { count: 1, amount: '2000.00', amounts: [{ currency: 'USD', amount: '2000.00' }] },
      stricter: { count: 0, amount: '0.00', amounts: [] },
      looser: { count: 0, amount: '0.00', amounts: [] },
      otherChanges: { count: 0, amount: '0.00', amounts: [] },
    });
    expect(report.unknownReads).toContainEqual({ policy: 'candidate', ruleId: 'echo-contacts', fields: ['args.message'], actions: 1, uncertain: 1 });

    // The same policy against itself changes nothing, and a broken candidate is refused naming the rule.
    const itself = await backtestPolicy(h.db, live, { candidate: await readFile(DEFAULT_POLICY_FILE, 'utf8'), since: '1d' });
    expect(itself).toMatchObject({ evaluated: 5, same: 5, changed: 0, uncertain: 0 });
    const broken = backtestPolicy(h.db, live, { candidate: candidate.replace('contains("@")', 'contains(@)'), since: '1d' });
    await expect(broken).rejects.toThrow(OpsError);
    await expect(broken).rejects.toThrow(/echo-contacts/);
    await expect(backtestPolicy(h.db, live, { candidate, since: 'last month' })).rejects.toThrow(/since/);
    // Windows reaching past what a date can hold are refused naming the field, not answered with a 500 from
    // JavaScript (an invalid date) or PostgreSQL (a timestamp out of range).
    for (const since of ['999999999d', '3651d', '-010000-01-01T00:00:00Z', '1900-01-01T00:00:00Z']) {
      const refused = await backtestPolicy(h.db, live, { candidate, since }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused, since).toBeInstanceOf(OpsError);
      expect(
        (refused as OpsError).issues.map((i) => i.path),
        since,
      ).toEqual(['since']);
    }
    await expect(backtestPolicy(h.db, live, { candidate, since: '1d', until: '+275000-01-01T00:00:00Z' })).rejects.toThrow(/until/);
  }, 120_000);

  it('shadow mode: only disagreements are recorded, beside unchanged live decisions; set and clear are audited; a failing candidate changes nothing', async () => {
    const set = await runUseCase({ db: h.db }, operator, setShadowPolicy, { policy: candidate, source: 'candidate.yaml' });
    expect(set.version).toBe(compilePolicy(candidate, 'x').version);
    const small = await admit(refundRequest({ amount: '20.00' }));
    const contact = await admit(echo('write to jane.doe@example.com please'));
    const plain = await admit(echo('hello'));
    // Live decisions stand: the small refund and the echo ran without approval.
    for (const id of [small, contact, plain]) expect((await waitForStatus(h.client, id, (s) => s.phase === 'completed')).phase).toBe('completed');

    const summary = await shadowSummary(h.db);
    expect(summary).toMatchObject({ version: set.version, shadow: { version: set.version, setBy: 'user:bob' }, differences: 2, failures: 0, admittedSince: 3 });
    // At admission the raw arguments are there: the address rule is decided, not uncertain.
    expect(summary.recent.map((d) => [d.actionId, d.live.decision, d.shadow?.decision, d.shadow?.tier])).toEqual(
      expect.arrayContaining([
        [small, 'allow', 'require_approval', 'medium'],
        [contact, 'allow', 'require_approval', 'medium'],
      ]),
    );
    expect(summary.approvals.newlyAsked).toEqual({ count: 2, amount: '20.00', amounts: [{ currency: 'USD', amount: '20.00' }] });
    expect(summary.recent.find((d) => d.actionId === small)).toMatchObject({ costEstimate: '20.00', currency: 'USD' });

    // A candidate this worker cannot compile (as from another release): counted, and the action runs as the live policy says.
    await h.db.pool.query("UPDATE shadow_policies SET version = 'not-compiling', text = 'rules: [' WHERE id = 'shadow'");
    const during = await admit(echo('still fine'));
    expect((await waitForStatus(h.client, during, (s) => s.phase === 'completed')).phase).toBe('completed');
    expect(failures.some((f) => f.includes('compiling shadow policy not-compiling'))).toBe(true);

    expect(await runUseCase({ db: h.db }, operator, clearShadowPolicy, {})).toEqual({ cleared: 'not-compiling' });
    expect(await runUseCase({ db: h.db }, operator, clearShadowPolicy, {})).toEqual({ cleared: null });
    const after = await admit(refundRequest({ amount: '20.00' }));
    expect(await h.db.prisma.shadowDifference.count({ where: { actionId: after } })).toBe(0);

    const viewer: Operator = { actor: 'user:victor', userId: 'victor', role: 'viewer', channel: 'api' };
    await expect(runUseCase({ db: h.db }, viewer, setShadowPolicy, { policy: candidate })).rejects.toThrow(/admin/);
    await expect(runUseCase({ db: h.db }, operator, setShadowPolicy, { policy: 'apiVersion: airlock/v1\nrules: [{ id: x }]' })).rejects.toThrow(/^policy: /);
    const audit = await h.db.prisma.auditEvent.findMany({ where: { type: { startsWith: 'policy.shadow' } }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.type, e.actor])).toEqual([
      ['policy.shadow_set', 'user:bob'],
      ['policy.shadow_cleared', 'user:bob'],
    ]);
  }, 180_000);
});
