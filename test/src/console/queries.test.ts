import { randomUUID } from 'node:crypto';
import { consoleQueries } from '@airlock/console';
import { appendAudit, createAgent } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uncatalogued } from '../support/uncatalogued.js';

const { inboxApprovals, InboxFilters, auditPage, AuditFilters, isSameOrigin, diffArgs, csvCell } = consoleQueries;

// The console's read paths against a real (fresh) PostgreSQL: filters, order and keyset pages.
let database: TestDatabase;

async function pending(agentId: string, tool: string, tier: 'low' | 'high' | 'critical', deadlineMinutes: number | null, createdMinutesAgo: number) {
  const id = randomUUID();
  await database.db.prisma.action.create({
    data: { id, agentId, tool, args: {}, argsHash: 'h', rationale: '', idempotencyKey: id, workflowId: `action-${id}`, riskTier: tier, status: 'awaiting_approval' },
  });
  await database.db.prisma.approval.create({
    data: {
      id: randomUUID(),
      actionId: id,
      requiredApprovals: 1,
      approverRole: 'approver',
      argsHash: 'h',
      timeoutOutcome: 'deny',
      deadline: deadlineMinutes === null ? null : new Date(Date.now() + deadlineMinutes * 60_000),
      createdAt: new Date(Date.now() - createdMinutesAgo * 60_000),
    },
  });
  return id;
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  database = await createTestDatabase();
  await createAgent(database.db, { id: 'billing-bot', team: 'billing' });
  await createAgent(database.db, { id: 'ops-bot', team: 'ops' });
  ids.soon = await pending('billing-bot', 'payments.refund', 'high', 5, 30);
  ids.later = await pending('billing-bot', 'demo.echo', 'low', 60, 1);
  ids.never = await pending('ops-bot', 'payments.refund', 'critical', null, 10);
  for (let i = 0; i < 120; i++) {
    await appendAudit(
      database.db,
      uncatalogued({ eventKey: `e${i}`, actionId: i % 2 ? ids.soon : null, type: i % 3 ? 'test.even' : 'test.third', actor: `user:u${i % 4}`, payload: { i } }),
    );
  }
});
afterAll(async () => {
  await database?.drop();
});

describe('inbox', () => {
  it('orders by nearest deadline (none last) or newest, and filters by agent, tool, tier and team', async () => {
    const list = async (params: Record<string, string>) => (await inboxApprovals(database.db, InboxFilters.parse(params))).map((a) => a.actionId);
    expect(await list({})).toEqual([ids.soon, ids.later, ids.never]);
    expect(await list({ sort: 'newest' })).toEqual([ids.later, ids.never, ids.soon]);
    expect(await list({ team: 'ops' })).toEqual([ids.never]);
    expect(await list({ agent: 'billing-bot', tool: 'payments.refund' })).toEqual([ids.soon]);
    expect(await list({ tier: 'low' })).toEqual([ids.later]);
    // Junk in the URL falls back to the defaults instead of failing the page.
    expect(await list({ sort: 'sideways', tier: 'extreme' })).toEqual([ids.soon, ids.later, ids.never]);
  });
});

describe('audit log pages', () => {
  it('walks every row newest first by seq cursor, with no gaps or repeats', async () => {
    const seen: bigint[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await auditPage(database.db, AuditFilters.parse(before ? { before } : {}));
      seen.push(...page.events.map((e) => e.seq));
      if (!page.olderCursor) break;
      before = page.olderCursor;
    }
    expect(seen).toHaveLength(120);
    expect(seen).toEqual([...seen].sort((a, b) => (a > b ? -1 : 1)));
  });

  it('filters by action, actor, type and agent', async () => {
    const page = await auditPage(database.db, AuditFilters.parse({ action: ids.soon, actor: 'user:u1', type: 'test.even' }));
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events.every((e) => e.actionId === ids.soon && e.actor === 'user:u1' && e.type === 'test.even')).toBe(true);
    const byAgent = await auditPage(database.db, AuditFilters.parse({ agent: 'ops-bot' }));
    expect(byAgent.events).toEqual([]);
    expect((await auditPage(database.db, AuditFilters.parse({ agent: 'billing-bot' }))).events.every((e) => e.actionId === ids.soon)).toBe(true);
  });
});

describe('audit log pages at scale', () => {
  let big: TestDatabase;
  const day = (d: number) => new Date(Date.UTC(2026, 10, d, 12));
  beforeAll(async () => {
    big = await createTestDatabase();
    await createAgent(big.db, { id: 'busy-bot' });
    // 10,050 actions of one agent, one audit row each; then 100 rows on the 10th and 300 on the 12th (chain hashes do not matter here).
    await big.db.pool.query(`
      INSERT INTO actions (id, agent_id, tool, args, args_hash, rationale, idempotency_key, workflow_id, updated_at)
      SELECT 'busy-' || i, 'busy-bot', 'demo.echo', '{}', 'h', '', 'k' || i, 'wf-' || i, now() FROM generate_series(1, 10050) i`);
    await big.db.pool.query(
      `
      INSERT INTO audit_events (event_key, action_id, type, actor, payload, created_at, prev_hash, hash)
      SELECT 'e' || i, CASE WHEN i <= 10050 THEN 'busy-' || i END, 'test.row', 'system:test', '{}',
             CASE WHEN i <= 10050 THEN $1::timestamptz WHEN i <= 10150 THEN $2::timestamptz ELSE $3::timestamptz END, 'p' || i, 'h' || i
        FROM generate_series(1, 10450) i`,
      [day(8), day(10), day(12)],
    );
    await big.db.pool.query('ANALYZE');
  });
  afterAll(async () => {
    await big?.drop();
  });

  it('pages a time range, newest first, with every row and nothing else, whichever way it is read', async () => {
    const range = { from: '2026-11-10T00:00', to: '2026-11-10T23:59' };
    const first = await auditPage(big.db, AuditFilters.parse(range));
    expect(first.events).toHaveLength(50);
    expect(first.events[0]?.seq).toBe(10150n);
    const second = await auditPage(big.db, AuditFilters.parse({ ...range, before: first.olderCursor }));
    expect(second.events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(10100 - i)));
    expect(second.olderCursor).toBeNull();
    // The recent range is read from the newest row down (nothing is newer than it): same rules, same result.
    const recent = await auditPage(big.db, AuditFilters.parse({ from: '2026-11-12T00:00', to: '2026-11-12T23:59', before: '10400' }));
    expect(recent.events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(10399 - i)));
    expect((await auditPage(big.db, AuditFilters.parse({ from: '2026-11-12T00:00', to: '2026-11-12T23:59', before: '10200' }))).events).toHaveLength(49);
  });

  it("finds an agent's rows in every one of its actions, past the first 10,000", async () => {
    const page = await auditPage(big.db, AuditFilters.parse({ agent: 'busy-bot' }));
    expect(page.events[0]?.actionId).toBe('busy-10050');
    const oldest = await auditPage(big.db, AuditFilters.parse({ agent: 'busy-bot', before: '51' }));
    expect(oldest.events.map((e) => e.actionId)).toEqual(Array.from({ length: 50 }, (_, i) => `busy-${50 - i}`));
  });
});

describe('pure helpers', () => {
  it('accepts only same-origin writes', () => {
    const h = (init: Record<string, string>) => new Headers(init);
    expect(isSameOrigin(h({ origin: 'http://console:3000', host: 'console:3000' }))).toBe(true);
    expect(isSameOrigin(h({ origin: 'http://evil.example', host: 'console:3000' }))).toBe(false);
    expect(isSameOrigin(h({ host: 'console:3000' }))).toBe(false);
    expect(isSameOrigin(h({ origin: 'null', host: 'console:3000' }))).toBe(false);
    expect(isSameOrigin(h({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000', 'x-forwarded-host': 'localhost:3000' }))).toBe(true);
    expect(isSameOrigin(h({ origin: 'http://evil.example', host: 'console:3000' }), 'http://console:3000')).toBe(false);
    expect(isSameOrigin(h({ referer: 'https://airlock.example.com/actions/1', host: 'internal:3000' }), 'https://airlock.example.com')).toBe(true);
  });

  it('diffs edited arguments by field', () => {
    expect(diffArgs({ amount: '90.00', currency: 'USD', meta: { a: 1 } }, { amount: '40.00', currency: 'USD', meta: { b: 1 } })).toEqual([
      { path: 'amount', before: '"90.00"', after: '"40.00"' },
      { path: 'meta.a', before: '1', after: undefined },
      { path: 'meta.b', before: undefined, after: '1' },
    ]);
  });

  it('quotes CSV cells and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell(null)).toBe('');
  });
});
