import { createAgent, createDb, sqlState, verifyAuditChain } from '@airlock/db';
import { OpsError, createBudget, mintKey, runUseCase, updateAgent, userOperator, type AgentRecord, type MintedKey, type Operator, type UseCase } from '@airlock/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdChain, untilChainWaiters } from '../support/audit-chain-lock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';
import { countingAttempts } from '../support/use-case-attempts.js';

// runUseCase runs an operator's transaction again, from BEGIN, when PostgreSQL
// aborted it for a deadlock (40P01) or a serialization failure (40001), and never
// for anything else. Each failure here is the server's own, forced by holding
// locks in a known order and watching pg_locks / pg_stat_activity, not by timing;
// each case checks the use case's effect and its audit row happened exactly once.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedTeam(database.db);
});
afterAll(async () => {
  await database?.drop();
});

const bob = userOperator({ id: 'bob', role: 'admin' }, 'api');
const cliRoot: Operator = { actor: 'cli:root', userId: null, role: 'admin', channel: 'cli' };
const ops = () => ({ db: database.db });

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await database.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0]!.n;
}

const auditRows = (type: string, field: string, value: string) => count(`audit_events WHERE type = $1 AND payload->>$2 = $3`, [type, field, value]);

/** The database URL with a setting every connection made from it starts with (libpq's `options`; a superuser's for deadlock_timeout). */
function withSessionSetting(url: string, name: string, value: string): string {
  const withOption = new URL(url);
  withOption.searchParams.set('options', `-c ${name}=${value}`);
  return withOption.toString();
}

/** Settled as soon as it is made, so a failure is the test's to report, never an unhandled rejection while the test holds locks. */
const settle = <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> => Promise.allSettled([promise]).then(([settled]) => settled);

/** Polls (a database round trip a step) until `predicate`, an SQL boolean over the database's other backends, holds. */
async function until(predicate: string): Promise<void> {
  for (;;) {
    const { rows } = await database.db.pool.query<{ ok: boolean }>(
      `SELECT coalesce(bool_or(${predicate}), false) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    if (rows[0]!.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('an operator’s use case that PostgreSQL aborts', () => {
  it('a deadlock: the use case, the victim, runs again from BEGIN and mints exactly one key with one audit row', async () => {
    await createAgent(database.db, { id: 'deadlock-bot', team: 'retry' });
    const counted = countingAttempts(mintKey);
    // The victim is the backend that looks for a deadlock first once the cycle is closed; each looks once, when
    // its deadlock_timeout runs out after it began to wait. The use case waits first and must look first, after
    // the cycle closes: its connections look after 4 s (not the default 1 s, which a busy CI box can spend between
    // its wait and the statement below that closes the cycle), the other transaction only after 60 s.
    const useCaseDb = createDb(withSessionSetting(database.url, 'deadlock_timeout', '4s'), { poolSize: 1 });
    const chain = await holdChain(database.db);
    let minted: Promise<PromiseSettledResult<MintedKey>>;
    let otherLocked: true | string | undefined;
    try {
      await chain.client.query(`SET LOCAL deadlock_timeout = '60s'`);
      // The use case inserts the key (its foreign-key check locks the agent's row, KEY SHARE), then queues for the chain lock held here.
      minted = settle(runUseCase({ db: useCaseDb }, bob, counted.useCase, { agentId: 'deadlock-bot', name: 'ci' }));
      await untilChainWaiters(database.db, 1);
      // It holds the chain and now wants the agent's row: the opposite order, which closes the cycle.
      otherLocked = await chain.client.query(`SELECT 1 FROM agents WHERE id = 'deadlock-bot' FOR UPDATE`).then(
        () => true as const,
        (error: unknown) => sqlState(error) ?? String(error),
      );
    } finally {
      await chain.release();
    }
    const settled = await minted;
    await useCaseDb.close();

    // The other transaction got the row: the use case was the one aborted, and its second attempt committed.
    expect(otherLocked).toBe(true);
    expect(settled).toMatchObject({ status: 'fulfilled' });
    expect(counted.attempts()).toBe(2);
    const { key, secret } = (settled as PromiseFulfilledResult<MintedKey>).value;
    const keys = await database.db.prisma.apiKey.findMany({ where: { agentId: 'deadlock-bot' } });
    expect(keys.map((k) => k.id)).toEqual([key.id]);
    expect(secret.startsWith(keys[0]!.prefix)).toBe(true);
    expect(await auditRows('api_key.minted', 'agentId', 'deadlock-bot')).toBe(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });

  it('a serialization failure: the use case runs again on a fresh snapshot and renames the agent once, keeping the concurrent change', async () => {
    // No use case asks for more than READ COMMITTED today; this one runs updateAgent under REPEATABLE READ, where
    // a row changed by a transaction that commits after the snapshot fails with 40001 (what SERIALIZABLE raises too).
    // Its operator is a CLI run without --by: a person's use case reads their user row first (holdOperatorStanding),
    // and SET TRANSACTION must come before any query.
    const repeatableRead: UseCase<typeof updateAgent.input, AgentRecord> = {
      ...updateAgent,
      write: async (tx, input, operator) => {
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        return updateAgent.write(tx, input, operator);
      },
    };
    const counted = countingAttempts(repeatableRead);
    await createAgent(database.db, { id: 'snapshot-bot', team: 'before' });
    const other = await database.db.pool.connect();
    let renamed: Promise<PromiseSettledResult<AgentRecord>>;
    try {
      await other.query('BEGIN');
      await other.query(`UPDATE agents SET team = 'moved' WHERE id = 'snapshot-bot'`);
      // The use case's snapshot is taken by its first statement, which locks the agent's row and waits for the other transaction.
      renamed = settle(runUseCase(ops(), cliRoot, counted.useCase, { id: 'snapshot-bot', name: 'Snapshot bot' }));
      await until(`wait_event_type = 'Lock' AND wait_event = 'transactionid'`);
      await other.query('COMMIT');
    } finally {
      other.release();
    }
    const settled = await renamed;

    expect(settled).toMatchObject({ status: 'fulfilled' });
    expect(counted.attempts()).toBe(2);
    // The second attempt read the row as the other transaction left it: its change stays.
    expect(settled).toMatchObject({ value: { id: 'snapshot-bot', name: 'Snapshot bot', team: 'moved' } });
    expect(await database.db.prisma.agent.findUniqueOrThrow({ where: { id: 'snapshot-bot' } })).toMatchObject({ name: 'Snapshot bot', team: 'moved' });
    const audits = await database.db.prisma.auditEvent.findMany({ where: { type: 'agent.updated', actor: 'cli:root' } });
    const forAgent = audits.filter((e) => (e.payload as { agentId?: string }).agentId === 'snapshot-bot');
    expect(forAgent.map((e) => e.payload)).toEqual([{ agentId: 'snapshot-bot', changed: { name: { before: 'snapshot-bot', after: 'Snapshot bot' } } }]);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });

  it('a unique violation (23505) is not run again: two operators create the same budget, one wins, the other is told it exists', async () => {
    const budget = { scope: 'agent', target: 'billing-bot', period: 'day', currency: 'EUR', limit: '50.00' };
    const loser = countingAttempts(createBudget);
    const chain = await holdChain(database.db);
    let first: Promise<unknown>;
    let second: Promise<unknown>;
    try {
      // The first inserts the budget and queues for the chain lock; the second's insert waits on the first's unique entry.
      first = runUseCase(ops(), bob, createBudget, budget);
      await untilChainWaiters(database.db, 1);
      second = runUseCase(ops(), bob, loser.useCase, budget);
      await until(`wait_event_type = 'Lock' AND wait_event = 'transactionid'`);
    } finally {
      await chain.release();
    }
    const [won, lost] = await Promise.allSettled([first, second]);

    expect(won).toMatchObject({ status: 'fulfilled' });
    expect(lost).toMatchObject({ status: 'rejected', reason: { code: 'conflict', reason: 'already_exists' } });
    expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(OpsError);
    expect(loser.attempts()).toBe(1);
    expect(await count(`budgets WHERE target = 'billing-bot' AND currency = 'EUR'`, [])).toBe(1);
    expect(await auditRows('budget.created', 'currency', 'EUR')).toBe(1);
  });
});
