import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as PreparedStatements from './prepared-statements.js';

type Module = typeof PreparedStatements;

/** A fresh copy of the module, as a bundler that loads it twice makes (Next.js, across the console's server chunks). */
async function copy(): Promise<Module> {
  vi.resetModules();
  return import('./prepared-statements.js');
}

afterEach(async () => (await copy()).setStatementMode('session'));

describe('prepared statements across copies of the module', () => {
  it('one copy prepares what another named: they share the statements and the mode', async () => {
    const [builder, pool] = [await copy(), await copy()];
    expect(builder).not.toBe(pool);
    const statement = builder.preparedStatement('SELECT $1::text AS shared_between_copies')!;
    expect(pool.preparedStatementText(statement.name)).toBe('SELECT $1::text AS shared_between_copies');
    pool.setStatementMode('inline');
    expect(builder.statementMode()).toBe('inline');
    expect(builder.preparedStatement('SELECT $1::text AS after_the_fallback')).toBeUndefined();
  });

  it('names a statement by its text, and counts its parameters by the highest $n', async () => {
    const m = await copy();
    const a = m.preparedStatement('SELECT $2::int, $1::text')!;
    expect(a).toMatchObject({ name: expect.stringMatching(/^airlock_[0-9a-f]{16}$/), parameters: 2 });
    expect(m.preparedStatement('SELECT $2::int, $1::text')).toBe(a);
    expect(m.preparedStatement('SELECT $0')).toBeUndefined();
  });
});
