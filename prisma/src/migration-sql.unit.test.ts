import { describe, expect, it } from 'vitest';
import { readMigrations } from './migrate.js';
import { scriptAtomicity } from './migration-sql.js';

describe('scriptAtomicity', () => {
  it('finds every migration of this repository to be one transaction (function bodies are not statements)', async () => {
    for (const migration of await readMigrations()) expect([migration.name, scriptAtomicity(migration.sql)]).toEqual([migration.name, { atomic: true }]);
  });

  it.each([
    ['CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);', 'COMMIT'],
    ['begin;\ncreate table a (id int);\nend;', 'BEGIN'],
    ['CREATE TABLE a (id int); START TRANSACTION; CREATE TABLE b (id int)', 'START'],
    ['CREATE TABLE a (id int);\n  rollback', 'ROLLBACK'],
    ['SAVEPOINT s; CREATE TABLE a (id int); RELEASE s', 'SAVEPOINT'],
    ["PREPARE TRANSACTION 'x'", 'PREPARE'],
    ['DO $$ BEGIN COMMIT; END $$;', 'DO'],
    ['CALL tidy_up();', 'CALL'],
    ["CREATE TABLE a (note text DEFAULT 'x'); /* a /* nested */ comment */ COMMIT;", 'COMMIT'],
  ])('refuses %j (a top-level %s)', (sql, word) => {
    expect(scriptAtomicity(sql)).toEqual({ atomic: false, reason: `it has a top-level ${word} statement` });
  });

  it.each([
    ['CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN NEW;\nEND;\n$$;'],
    ['CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN COMMIT; END $body$;'],
    ['-- COMMIT; would end it\nCREATE TABLE a (id int);'],
    ['/* COMMIT; */ CREATE TABLE a (id int);'],
    ["INSERT INTO notes VALUES ('it''s done; COMMIT; now');"],
    ["INSERT INTO notes VALUES (E'it\\'s done; COMMIT; now');"],
    ['CREATE TABLE "weird;commit" (id int); SELECT $1;'],
    ['CREATE TABLE begin_log (id int); ALTER TABLE begin_log ADD COLUMN "end" int;'],
  ])('accepts %j', (sql) => {
    expect(scriptAtomicity(sql)).toEqual({ atomic: true });
  });

  it('refuses what it cannot read surely: an unterminated quote, a backslash in a plain string', () => {
    expect(scriptAtomicity("INSERT INTO notes VALUES ('open; COMMIT;")).toMatchObject({ atomic: false, reason: expect.stringContaining('unterminated') });
    expect(scriptAtomicity('CREATE FUNCTION f() AS $$ BEGIN')).toMatchObject({ atomic: false, reason: expect.stringContaining('unterminated') });
    expect(scriptAtomicity("INSERT INTO notes VALUES ('a\\'); COMMIT; --')")).toMatchObject({ atomic: false, reason: expect.stringContaining('backslash') });
  });
});
