import { describe, expect, it } from 'vitest';
import { readMigrations } from './migrate.js';
import { scriptAtomicity, scriptRerun } from './migration-sql.js';

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

describe('scriptRerun', () => {
  it('finds every migration of this repository safe to run again but one that drops an index and one with no CREATE or ADD COLUMN', async () => {
    const unsafe = (await readMigrations()).filter((m) => !scriptRerun(m.sql).safe).map((m) => m.name);
    expect(unsafe).toEqual(['20261122020000_governance', '20261204300001_webhook_events_required']);
  });

  it.each([
    ['CREATE TABLE "a" ("id" INTEGER NOT NULL);'],
    ["create type \"Kind\" as enum ('a', 'b');"],
    ['CREATE UNIQUE INDEX "a_b_key" ON "a"("b");'],
    ['CREATE INDEX a_b_idx ON a (b);'],
    ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ DROP TABLE x; SELECT 1 $$;'],
    ['CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();'],
    ['ALTER TABLE "public"."a" ADD COLUMN "b" TEXT;\nUPDATE "a" SET "b" = \'x\';'],
    ['ALTER TABLE ONLY a ADD COLUMN b text, ADD COLUMN IF NOT EXISTS c text;'],
    ['CREATE TABLE a (id int);\nALTER TABLE "b" ALTER COLUMN "c" DROP NOT NULL, ALTER COLUMN "d" DROP DEFAULT;\nALTER TABLE "b" DROP CONSTRAINT "b_fkey";'],
    ['-- DROP TABLE a;\nCREATE TABLE "drop" (id int);'],
  ])('runs %j again: it fails if already applied', (sql) => {
    expect(scriptRerun(sql)).toEqual({ safe: true });
  });

  it.each([
    ['UPDATE a SET n = n + 1;', 'nothing in it fails'],
    ['CREATE TABLE IF NOT EXISTS a (id int);\nALTER TABLE a ADD COLUMN IF NOT EXISTS b int;', 'nothing in it fails'],
    ['CREATE INDEX ON a (b);\nCREATE INDEX IF NOT EXISTS a_b ON a (b);', 'nothing in it fails'],
    ['CREATE TEMP TABLE t (id int);\nCREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;', 'nothing in it fails'],
    ['ALTER TABLE IF EXISTS a ADD COLUMN b int;', 'nothing in it fails'],
    ['DROP TABLE IF EXISTS a;\nCREATE TABLE a (id int);', 'DROP TABLE'],
    ['CREATE TABLE a_new (id int);\nALTER TABLE a_new RENAME TO a;', 'ALTER TABLE'],
    ['ALTER TABLE a ADD COLUMN b int;\nALTER TABLE "a" DROP "b";', 'ALTER TABLE'],
    ['ALTER TABLE a ADD COLUMN b int, DROP COLUMN b;', 'ALTER TABLE'],
    ["CREATE TYPE k AS ENUM ('x');\nALTER TYPE k SET SCHEMA other;", 'ALTER TYPE'],
  ])('refuses to run %j again (%s)', (sql, why) => {
    expect(scriptRerun(sql)).toMatchObject({ safe: false, reason: expect.stringContaining(why) });
  });
});
