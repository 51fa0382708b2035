import type pg from 'pg';
import type { Db } from '../client.js';
import { inlineParams } from './sql-literals.js';

const ROLLBACK = Symbol('rollback');

export interface RollbackWith<T> {
  readonly [ROLLBACK]: true;
  readonly value: T;
}

/** Ends the transaction with ROLLBACK yet hands `value` back: a refusal is an answer, not an error. */
export function rollbackWith<T>(value: T): RollbackWith<T> {
  return { [ROLLBACK]: true, value };
}

function isRollback<T>(result: T | RollbackWith<T> | CommitWith<T>): result is RollbackWith<T> {
  return typeof result === 'object' && result !== null && ROLLBACK in result;
}

const COMMIT_WITH = Symbol('commit-with');

export interface CommitWith<T> {
  readonly [COMMIT_WITH]: true;
  readonly sql: string;
  readonly read: (results: pg.QueryResult[]) => T;
}

/**
 * Ends the transaction with `sql` (statements without $n parameters: see
 * inlineParams) sent in COMMIT's own message, so the last writes and the commit
 * cost one round trip. The server skips the rest of a message after an error,
 * so COMMIT runs only if every statement of `sql` succeeded; `read` gets their
 * results, in order, once the commit is durable.
 */
export function commitWith<T>(sql: string, read: (results: pg.QueryResult[]) => T): CommitWith<T> {
  return { [COMMIT_WITH]: true, sql, read };
}

function isCommitWith<T>(result: T | RollbackWith<T> | CommitWith<T>): result is CommitWith<T> {
  return typeof result === 'object' && result !== null && COMMIT_WITH in result;
}

/** A message's results, one per statement (pg returns a bare result for a single statement). */
function resultsOf(result: pg.QueryResult | pg.QueryResult[]): pg.QueryResult[] {
  return Array.isArray(result) ? result : [result];
}

// Open transactions that inTransaction will commit, and those of them that release their locks before the WAL flush.
const managed = new WeakSet<pg.PoolClient>();
const confirmAfterCommit = new WeakSet<pg.PoolClient>();

// Waits for the WAL flush of every commit before it: a transactional WAL message commits synchronously, and WAL is flushed in order.
const AWAIT_DURABLE = "SELECT pg_logical_emit_message(true, 'airlock', '')";

/** Statements sent with BEGIN; a function when they depend on the connection (auditChainLockItems does). */
export type WithBegin = string | ((client: pg.PoolClient) => string);

/**
 * One short READ COMMITTED transaction on a pooled connection, in the plain-SQL
 * style of the audit chain: governance checks sit on every action's hot path.
 * Resolves only once the commit is durable (see releaseLocksBeforeFlush).
 * `withBegin`: statements without $n parameters sent with BEGIN in one round
 * trip; `work` gets their results, in order. Under READ COMMITTED each statement
 * of a message takes its own snapshot, as if sent alone. `work` may end with
 * commitWith to send its last statements with COMMIT.
 */
export function inTransaction<T>(
  db: Db,
  work: (client: pg.PoolClient, begun: pg.QueryResult[]) => Promise<T | RollbackWith<T> | CommitWith<T>>,
  options: { withBegin?: WithBegin } = {},
): Promise<T> {
  return onManagedClient(db, async (client) => {
    const withBegin = typeof options.withBegin === 'function' ? options.withBegin(client) : options.withBegin;
    const begun = resultsOf(await client.query(withBegin ? `BEGIN; ${withBegin}` : 'BEGIN')).slice(1);
    const result = await work(client, begun);
    if (isRollback(result)) {
      await client.query('ROLLBACK');
      return result.value;
    }
    if (isCommitWith(result)) return commitSending(client, result.sql, result.read);
    await client.query(commitStatement(client));
    return result;
  });
}

/**
 * A whole transaction in one message: BEGIN, `statements` (no $n parameters:
 * see inlineParams; a function of the connection, as auditChainLockItems needs)
 * and COMMIT. For a transaction whose every write is known before it starts,
 * branches written in SQL (a flag one statement sets with set_config and a later
 * one reads). An error skips the rest of the message, COMMIT included, and rolls
 * back. `read` gets the statements' results once the commit is durable.
 */
export function inOneMessage<T>(db: Db, statements: (client: pg.PoolClient) => string, read: (results: pg.QueryResult[]) => T): Promise<T> {
  return onManagedClient(db, (client) => commitSending(client, `BEGIN; ${statements(client)}`, (results) => read(results.slice(1))));
}

/** Sends `sql` with COMMIT in one message; `read` gets the results of `sql`'s statements. */
async function commitSending<T>(client: pg.PoolClient, sql: string, read: (results: pg.QueryResult[]) => T): Promise<T> {
  const results = resultsOf(await client.query(`${sql}; ${commitStatement(client)}`));
  return read(results.slice(0, results.length - (confirmAfterCommit.has(client) ? 2 : 1)));
}

// One round trip: a statement after COMMIT in the same message runs in a transaction of its own, with synchronous commit.
function commitStatement(client: pg.PoolClient): string {
  return confirmAfterCommit.has(client) ? `COMMIT; ${AWAIT_DURABLE}` : 'COMMIT';
}

/** A pooled connection for one transaction, rolled back on any error (and discarded if it cannot even roll back). */
async function onManagedClient<T>(db: Db, transaction: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  let broken = false;
  managed.add(client);
  try {
    return await transaction(client);
  } catch (error) {
    broken = await client.query('ROLLBACK').then(
      () => false,
      () => true,
    );
    throw error;
  } finally {
    managed.delete(client);
    confirmAfterCommit.delete(client);
    client.release(broken);
  }
}

/**
 * Early lock release (as in Aether, VLDB 2010): this transaction's COMMIT
 * returns once its commit record is in the WAL buffer, releasing its locks
 * (the audit chain head's above all) without waiting for the disk; inTransaction
 * then waits for the flush before it resolves, so the caller still learns of
 * the commit only when it is durable. Holding the head lock through each fsync
 * is what capped appends at one commit per flush; released early, the flushes
 * of concurrent transactions are shared (PostgreSQL's group commit). WAL is
 * one sequence, so a crash loses a suffix of commits, never a row whose
 * successor survives: the chain stays whole. Returns the SQL to run in the
 * transaction (empty for a transaction inTransaction does not commit, which
 * keeps its synchronous commit).
 */
export function releaseLocksBeforeFlush(client: pg.PoolClient): string {
  if (!managed.has(client)) return '';
  confirmAfterCommit.add(client);
  return COMMIT_WITHOUT_FLUSH;
}

/**
 * SQL (an expression, to go in a select list or a WHERE) that makes this transaction's
 * COMMIT return without waiting for the WAL flush: for writes whose loss in a crash costs
 * nothing but repeated work (a consumer's read position), or whose flush the caller awaits
 * itself (releaseLocksBeforeFlush).
 */
export const COMMIT_WITHOUT_FLUSH = "set_config('synchronous_commit', 'off', true)";

/**
 * Resolves once every commit made before the call is on disk: a transactional
 * WAL message commits synchronously, and WAL is flushed in order. Readers that
 * send rows outside the database (sinks, notifiers) call it first, since a row
 * committed with early lock release is visible a moment before it is durable.
 */
export async function awaitDurable(client: pg.PoolClient | pg.Pool): Promise<void> {
  await client.query(AWAIT_DURABLE);
}

/**
 * A step inside the caller's open transaction that may be refused on its own:
 * a RollbackWith undoes only this step's writes (ROLLBACK TO SAVEPOINT), as does
 * an error, so the surrounding transaction stays usable and commits the rest.
 */
export async function inSavepoint<T>(client: pg.PoolClient, name: string, work: () => Promise<T | RollbackWith<T>>): Promise<T> {
  await client.query(`SAVEPOINT ${name}`);
  try {
    const result = await work();
    if (isRollback(result)) {
      await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      return result.value;
    }
    await client.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (error) {
    await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw error;
  }
}

const LOCK_NAME_SQL = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';

/** Serialises transactions on one logical name (until COMMIT/ROLLBACK); the prefix keeps lock families apart. */
export async function lockName(client: pg.PoolClient, family: string, name: string): Promise<void> {
  await client.query(LOCK_NAME_SQL, [`${family}:${name}`]);
}

/** lockName's statement with the name inlined, to send in another statement's message. */
export function lockNameStatement(family: string, name: string): string {
  return inlineParams(LOCK_NAME_SQL, [`${family}:${name}`]);
}

/** PostgreSQL's SQLSTATE, when the error came from the server. */
export function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
