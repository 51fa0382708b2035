import { randomUUID } from 'node:crypto';
import { consoleQueries } from '@airlock/console';
import { createAgent, createBudget, createUser } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const { analyticsReport, RUBBER_STAMP_FAST_SECONDS, RUBBER_STAMP_MIN_STREAK } = consoleQueries;

// The analytics page's numbers against a real PostgreSQL, on rows seeded at known times.
const NOW = new Date('2026-11-20T12:30:00Z');
const at = (iso: string) => new Date(`2026-11-${iso}Z`);
const plus = (time: Date, seconds: number) => new Date(time.getTime() + seconds * 1000);

let database: TestDatabase;
let budgetId: string;

type Status = 'executed' | 'denied' | 'expired' | 'failed' | 'cancelled' | 'awaiting_approval' | 'running' | 'requested';

async function action(createdAt: Date, status: Status, guardrailFlags: string[] = []): Promise<string> {
  const id = randomUUID();
  await database.db.pool.query(
    `INSERT INTO actions (id, agent_id, tool, args, args_hash, rationale, idempotency_key, risk_tier, status, guardrail_flags, workflow_id, created_at, updated_at)
     VALUES ($1, 'billing-bot', 'payments.refund', '{}', 'h', '', $1, 'high', $2::"ActionStatus", $3, 'action-' || $1, $4, $4)`,
    [id, status, JSON.stringify(guardrailFlags), createdAt],
  );
  return id;
}

/** An approval round opened at `openedAt`, closed `afterSeconds` later with `status` (null: still open). */
async function round(actionId: string, openedAt: Date, afterSeconds: number | null, status: 'approved' | 'denied' | 'expired' | 'open') {
  const id = randomUUID();
  await database.db.pool.query(
    `INSERT INTO approvals (id, action_id, status, required_approvals, approver_role, args_hash, timeout_outcome, created_at, closed_at)
     VALUES ($1, $2, $3::"ApprovalStatus", 1, 'approver', 'h', 'deny', $4, $5)`,
    [id, actionId, status, openedAt, afterSeconds === null ? null : plus(openedAt, afterSeconds)],
  );
  return id;
}

/** One person's decision `afterSeconds` into a fresh round that it closes. */
async function decision(userId: string, openedAt: Date, afterSeconds: number, kind: 'approve' | 'deny') {
  const actionId = await action(openedAt, kind === 'approve' ? 'executed' : 'denied');
  const approvalId = await round(actionId, openedAt, afterSeconds, kind === 'approve' ? 'approved' : 'denied');
  await database.db.pool.query(
    `INSERT INTO approval_decisions (id, approval_id, user_id, channel, decision, args_hash, decided_at) VALUES ($1, $2, $3, 'console', $4::"DecisionKind", 'h', $5)`,
    [randomUUID(), approvalId, userId, kind, plus(openedAt, afterSeconds)],
  );
}

async function reservation(status: 'reserved' | 'committed' | 'released', amount: string, actual: string | null, createdAt: Date, updatedAt: Date) {
  await database.db.pool.query(
    `INSERT INTO budget_reservations (id, budget_id, action_id, period_start, amount, status, actual_amount, created_at, updated_at)
     VALUES ($1, $2, $1, $3::date, $4, $5, $6, $7, $8)`,
    [randomUUID(), budgetId, createdAt, amount, status, actual, createdAt, updatedAt],
  );
}

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

const decisionSeconds: number[] = [];
// Carol is quick too, but a deny and a slower approval break her runs: never five in a row.
const CAROL: [number, 'approve' | 'deny'][] = [
  [2, 'approve'],
  [3, 'approve'],
  [4, 'approve'],
  [5, 'approve'],
  [3, 'deny'],
  [2, 'approve'],
  [3, 'approve'],
  [RUBBER_STAMP_FAST_SECONDS + 1, 'approve'],
  [2, 'approve'],
];

beforeAll(async () => {
  database = await createTestDatabase();
  await createAgent(database.db, { id: 'billing-bot', team: 'billing' });
  for (const id of ['fred', 'carol']) await createUser(database.db, { id, name: id === 'fred' ? 'Fred Fast' : 'Carol Careful', role: 'approver' });
  budgetId = (await createBudget(database.db, { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'USD', limit: '1000.00' })).id;

  // 09:00–10:00: the outcome mix, without any human decision.
  await action(at('20T09:05:00'), 'executed');
  await action(at('20T09:10:00'), 'executed', ['pii:email']);
  await action(at('20T09:15:00'), 'failed');
  await action(at('20T09:20:00'), 'denied', ['prompt_injection']);
  await action(at('20T09:25:00'), 'running');
  const waiting = await action(at('20T09:30:00'), 'awaiting_approval');
  await round(waiting, at('20T09:30:00'), null, 'open');
  const expired = await action(at('20T09:35:00'), 'expired');
  await round(expired, at('20T09:35:00'), 3600, 'expired');

  // 10:00–11:00: five decided rounds with known times to decision (one denied), plus a timed-out one that is no decision.
  for (const [seconds, status] of [
    [40, 'approved'],
    [10, 'approved'],
    [100, 'denied'],
    [30, 'approved'],
    [20, 'approved'],
  ] as const) {
    const id = await action(at('20T10:00:00'), status === 'approved' ? 'executed' : 'denied');
    await round(id, at('20T10:01:00'), seconds, status);
    decisionSeconds.push(seconds);
  }

  // 11:00–12:00: Fred approves six in a row within the threshold (one exactly at it), then one slowly.
  const fast = [2, 3, RUBBER_STAMP_FAST_SECONDS, 1, 4, 5];
  for (const [i, seconds] of fast.entries()) await decision('fred', plus(at('20T11:00:00'), i * 60), seconds, 'approve');
  await decision('fred', at('20T11:30:00'), 120, 'approve');
  for (const [i, [seconds, kind]] of CAROL.entries()) await decision('carol', plus(at('20T11:00:00'), i * 60 + 30), seconds, kind);
  decisionSeconds.push(...fast, 120, ...CAROL.map(([s]) => s));

  // Two days ago (inside the week, outside the day): Carol's one unbroken run, ended by a slow approval.
  await action(at('18T08:00:00'), 'cancelled');
  for (let i = 0; i < RUBBER_STAMP_MIN_STREAK; i++) await decision('carol', plus(at('18T08:00:00'), i * 60), 1, 'approve');
  await decision('carol', at('18T09:00:00'), 60, 'approve');

  // Budget: 100.00 spent (of 125.00 reserved) at 10:xx, 50.00 still held since 11:xx; a release and an old commit count for nothing today.
  await reservation('committed', '125.00', '100.00', at('20T09:50:00'), at('20T10:10:00'));
  await reservation('reserved', '50.00', null, at('20T11:40:00'), at('20T11:40:00'));
  await reservation('released', '30.00', null, at('20T11:45:00'), at('20T11:50:00'));
  await reservation('committed', '70.00', null, at('18T07:00:00'), at('18T07:05:00'));
});
afterAll(async () => {
  await database?.drop();
});

describe('analytics over the last 24 hours', () => {
  it('counts requests by outcome, auto-approvals and guardrail flags per hour', async () => {
    const report = await analyticsReport(database.db, '24h', NOW);
    expect(report.range.from).toEqual(at('19T13:00:00'));
    expect(report.range.to).toEqual(at('20T13:00:00'));
    expect(report.requests.buckets).toHaveLength(24);
    const nine = report.requests.buckets.find((b) => b.start.getTime() === at('20T09:00:00').getTime())!;
    expect(nine.counts).toEqual({
      total: 7,
      byStatus: { executed: 2, denied: 1, expired: 1, failed: 1, cancelled: 0, awaiting_approval: 1, running: 1, requested: 0 },
      // executed ×2, failed and running ran without a round; the denied one never ran.
      autoApproved: 4,
      guardrailFlagged: 2,
    });
    // Every decision-seeded action had a round: none of them is an auto-approval.
    expect(report.requests.total.total).toBe(7 + 5 + 7 + CAROL.length);
    expect(report.requests.total.autoApproved).toBe(4);
    expect(report.requests.total.byStatus.cancelled).toBe(0);
  });

  it('gives time to decision p50 and p95 from round opened to final decision, per hour and overall', async () => {
    const report = await analyticsReport(database.db, '24h', NOW);
    const ten = report.decisionTime.buckets.find((b) => b.start.getTime() === at('20T10:00:00').getTime())!;
    // 10, 20, 30, 40, 100 s: the median is 30; p95 interpolates 80 % of the way from 40 to 100.
    expect(ten.times).toEqual({ decided: 5, p50: 30, p95: expect.closeTo(88, 9) });
    expect(report.decisionTime.overall.decided).toBe(decisionSeconds.length);
    expect(report.decisionTime.overall.p50).toBeCloseTo(percentile(decisionSeconds, 0.5), 6);
    expect(report.decisionTime.overall.p95).toBeCloseTo(percentile(decisionSeconds, 0.95), 6);
    // The expired round (an hour, no decision) is not in any bucket.
    expect(report.decisionTime.buckets.find((b) => b.start.getTime() === at('20T09:00:00').getTime())!.times).toEqual({ decided: 0, p50: null, p95: null });
  });

  it(`flags an approver with ${RUBBER_STAMP_MIN_STREAK}+ approvals in a row each within ${RUBBER_STAMP_FAST_SECONDS} s, and not one whose runs are broken`, async () => {
    const { approvers: patterns } = await analyticsReport(database.db, '24h', NOW);
    expect(patterns).toMatchObject({ approvers: 2, flagged: 1 });
    const approvers = patterns.listed;
    expect(approvers.map((a) => a.userId)).toEqual(['fred', 'carol']);
    expect(approvers[0]).toMatchObject({ name: 'Fred Fast', flagged: true, flaggedStreaks: 1, longestStreak: 6, decisions: 7, approvals: 7, fastApprovals: 6 });
    expect(approvers[0]!.lastFlaggedAt).toEqual(plus(at('20T11:05:00'), 5));
    expect(approvers[1]).toMatchObject({ name: 'Carol Careful', flagged: false, flaggedStreaks: 0, longestStreak: 4, decisions: 9, approvals: 8, fastApprovals: 7 });
    expect(approvers[1]!.medianSeconds).toBe(3);
  });

  it('burns the budget by when money moved: spent at commit, held at reservation', async () => {
    const { budgets } = await analyticsReport(database.db, '24h', NOW);
    expect(budgets).toHaveLength(1);
    const [burn] = budgets;
    expect(burn).toMatchObject({ budgetId, label: 'agent billing-bot', currency: 'USD', period: 'day', limit: '1000.00', total: { spent: '100.00', reserved: '50.00' } });
    const moved = burn!.buckets.filter((b) => Number(b.amounts.spent) > 0 || Number(b.amounts.reserved) > 0);
    // Amounts as money reads: two decimals, zeros too (the page showed "0 USD" beside "120.00 USD").
    expect(moved.map((b) => [b.start.toISOString(), b.amounts.spent, b.amounts.reserved])).toEqual([
      ['2026-11-20T10:00:00.000Z', '100.00', '0.00'],
      ['2026-11-20T11:00:00.000Z', '0.00', '50.00'],
    ]);
    expect(burn!.buckets.every((b) => b.amounts.spent === '0.00' || b.amounts.spent === '100.00')).toBe(true);
  });
});

describe('analytics over the last 7 days', () => {
  it('buckets by UTC day and reaches the older rows', async () => {
    const report = await analyticsReport(database.db, '7d', NOW);
    expect(report.range.from).toEqual(at('14T00:00:00'));
    expect(report.requests.buckets.map((b) => b.start.toISOString().slice(0, 10))).toEqual(['14', '15', '16', '17', '18', '19', '20'].map((d) => `2026-11-${d}`));
    const eighteenth = report.requests.buckets[4]!.counts;
    expect(eighteenth.byStatus.cancelled).toBe(1);
    expect(eighteenth.total).toBe(1 + RUBBER_STAMP_MIN_STREAK + 1);
    // Carol's five quick approvals two days ago are a streak of their own this week.
    expect(report.approvers.listed.find((a) => a.userId === 'carol')).toMatchObject({ flagged: true, flaggedStreaks: 1, longestStreak: RUBBER_STAMP_MIN_STREAK });
    expect(report.budgets[0]?.total).toEqual({ spent: '170.00', reserved: '50.00' });
  });

  it('shows nothing, not zeros, where nothing happened', async () => {
    const empty = await analyticsReport(database.db, '30d', new Date('2025-01-15T00:00:00Z'));
    expect(empty.requests.total.total).toBe(0);
    expect(empty.requests.buckets).toHaveLength(30);
    expect(empty.decisionTime.overall).toEqual({ decided: 0, p50: null, p95: null });
    expect(empty.approvers).toEqual({ listed: [], approvers: 0, flagged: 0 });
    expect(empty.budgets).toEqual([]);
  });
});
