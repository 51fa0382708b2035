import { describe, expect, it } from 'vitest';
import { splitStatements } from './sql-statements.js';

describe('splitStatements', () => {
  it('splits at top-level semicolons and drops empty statements', () => {
    expect(splitStatements('BEGIN; SELECT 1;; COMMIT;')).toEqual(['BEGIN', 'SELECT 1', 'COMMIT']);
    expect(splitStatements('SELECT 1')).toEqual(['SELECT 1']);
  });

  it('does not split inside literals, identifiers, dollar quotes or comments', () => {
    expect(splitStatements(`SELECT 'a;''b'; SELECT E'c\\';d'; SELECT "x;y" FROM t`)).toEqual([`SELECT 'a;''b'`, `SELECT E'c\\';d'`, 'SELECT "x;y" FROM t']);
    expect(splitStatements('SELECT $f$;$f$; SELECT $$a;b$$')).toEqual(['SELECT $f$;$f$', 'SELECT $$a;b$$']);
    expect(splitStatements('SELECT 1 -- a;b\n; /* c;d */ SELECT 2')).toEqual(['SELECT 1 -- a;b', '/* c;d */ SELECT 2']);
  });

  it('does not mistake a $n parameter for a dollar quote', () => {
    expect(splitStatements('SELECT $1; SELECT $2')).toEqual(['SELECT $1', 'SELECT $2']);
  });
});
