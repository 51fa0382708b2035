import type pg from 'pg';
import type { Db } from '../client.js';

const ROLLBACK = Symbol('rollback');

export interface RollbackWith<T> {
  readonly [ROLLBACK]: true;
  readonly value: T;
}

/** Ends the transaction with ROLLBACK yet hands `value` back: a refusal is an answer, not an error. */
export function rollbackWith<T>(value: T): RollbackWith<T> {
  return { [ROLLBACK]: true, value };
}

function isRollback<T>(result: T | RollbackWith<T>): result is RollbackWith<T> {
  return typeof result === 'object' && result !== null && ROLLBACK in result;
}

/**
 * One short READ COMMITTED transaction on a pooled connection, in the plain-SQL
 * style of the audit chain: governance checks sit on every action's hot path.
 */
export async function inTransaction<T>(db: Db, work: (client: pg.PoolClient) => Promise<T | RollbackWith<T>>): Promise<T> {
  const client = await db.pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    if (isRollback(result)) {
      await client.query('ROLLBACK');
      return result.value;
    }
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is discarded, not returned to the pool.
    broken = await client.query('ROLLBACK').then(
      () => false,
      () => true,
    );
    throw error;
  } finally {
    client.release(broken);
  }
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

/** Serialises transactions on one logical name (until COMMIT/ROLLBACK); the prefix keeps lock families apart. */
export async function lockName(client: pg.PoolClient, family: string, name: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${family}:${name}`]);
}

/** PostgreSQL's SQLSTATE, when the error came from the server. */
export function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
