import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { legacyCanonicalJson } from '@airlock/core';
import { sha256Hex } from '@airlock/core/hashing';
import {
  appendAudit,
  checkpointIfDue,
  checkpointKeyring,
  checkpointSigner,
  GENESIS_HASH,
  generateCheckpointKeyPair,
  verifyAuditChain,
  verifyAuditExport,
  writeAuditExport,
  type AuditCheckpoint,
} from '@airlock/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uncatalogued } from '../support/uncatalogued.js';
import { asSuperuser } from './support.js';

// An attacker with write access to the database (the append-only triggers bypassed) against the verifiers:
// each tampering is named by its row, from the database (one thread or several) and from an export.

let t: TestDatabase;
let dir: string;
let published: AuditCheckpoint[];
const keys = generateCheckpointKeyPair();
const signer = checkpointSigner(keys.privateKeyPem);
const keyring = checkpointKeyring([keys.publicKeyPem]);

beforeEach(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'airlock-tampering-'));
  // seq 1: a row from before RFC 8785 (hash version 1), as an upgraded database holds it (written just now, so no checkpoint is due for its age).
  const legacy = {
    prevHash: GENESIS_HASH,
    eventKey: 'legacy-1',
    actionId: null,
    type: 'test.event',
    actor: 'user:alice',
    payload: { old: true, gone: null },
    createdAt: new Date().toISOString(),
  };
  await t.db.pool.query(
    'INSERT INTO audit_events (hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash, hash) VALUES (1, $1, NULL, $2, $3, $4, $5, $6, $7)',
    [legacy.eventKey, legacy.type, legacy.actor, JSON.stringify(legacy.payload), legacy.createdAt, legacy.prevHash, sha256Hex(legacyCanonicalJson(legacy))],
  );
  // seq 2–25, signed at seq 10 and 20.
  published = [];
  for (let i = 2; i <= 25; i++) {
    await appendAudit(t.db, uncatalogued({ eventKey: `e-${i}`, type: 'test.event', actor: 'user:alice', payload: { i } }));
    const checkpoint = await checkpointIfDue(t.db, signer, { everyRows: 10, everySeconds: 3600 });
    if (checkpoint) published.push(checkpoint);
  }
  expect(published.map((c) => c.seq)).toEqual([10, 20]);
});
afterEach(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

/** The database's chain exported to `name` in the test directory; its path. */
async function exportTo(name: string): Promise<string> {
  const file = join(dir, name);
  const out = createWriteStream(file);
  await writeAuditExport(t.db, out);
  out.end();
  await finished(out);
  return file;
}

/** The database's chain three ways (one thread; chunks of three rows on two worker threads; its export file), each with the public key. */
async function verifyEveryWay() {
  const file = await exportTo(`audit-${Math.random().toString(36).slice(2)}.jsonl`);
  return {
    database: await verifyAuditChain(t.db, { keyring }),
    threads: await verifyAuditChain(t.db, { keyring, threads: 2, batchSize: 3 }),
    file: await verifyAuditExport(file, { keyring }).catch((error: unknown) => `refused: ${(error as Error).message}`),
  };
}

describe('tampering with the database', () => {
  it('a clean chain verifies every way', async () => {
    const result = await verifyEveryWay();
    for (const verdict of [result.database, result.threads, result.file]) expect(verdict).toMatchObject({ ok: true, checkedRows: 25, headSeq: '25', checkpoints: { matched: 2 } });
  });

  it('names a row whose created_at was set to infinity, rather than failing with an exception', async () => {
    await asSuperuser(t.db, `UPDATE audit_events SET created_at = 'infinity' WHERE seq = 5`);
    const result = await verifyEveryWay();
    const named = {
      ok: false,
      checkedRows: 4,
      firstBrokenSeq: '5',
      reason: 'row content cannot be hashed: created_at is not a finite timestamp (NULL or ±infinity), which Airlock never writes: the row was altered',
    };
    expect(result.database).toMatchObject(named);
    expect(result.threads).toMatchObject(named);
    // The export has no timestamp to write for it (null): the file is refused, naming its line and row (header, two checkpoints, seq 1–4 before it).
    expect(result.file).toMatch(/^refused: line 8 \(seq 5\): createdAt: /);
  });

  it('names a row whose payload holds a number beyond a double, in either hash version', async () => {
    // Version 1 wrote a non-finite number as null: without a check this change would verify.
    await asSuperuser(t.db, `UPDATE audit_events SET payload = '{"old":true,"gone":1e400}' WHERE seq = 1`);
    const reason = 'row content cannot be hashed: the payload holds a number beyond the range of a double (such as 1e400), which Airlock never writes: the row was altered';
    let result = await verifyEveryWay();
    expect(result.database).toMatchObject({ ok: false, checkedRows: 0, firstBrokenSeq: '1', reason });
    expect(result.threads).toMatchObject({ ok: false, checkedRows: 0, firstBrokenSeq: '1', reason });
    // The export, like every reader, takes the number as JSON.parse does (Infinity) and writes it as JSON.stringify does: null, the value signed.
    expect(result.file).toMatchObject({ ok: true, checkedRows: 25 });

    await asSuperuser(t.db, `UPDATE audit_events SET payload = '{"old":true,"gone":null}' WHERE seq = 1`);
    await asSuperuser(t.db, `UPDATE audit_events SET payload = '{"i":5,"n":-1e400}' WHERE seq = 5`);
    result = await verifyEveryWay();
    expect(result.database).toMatchObject({ ok: false, checkedRows: 4, firstBrokenSeq: '5', reason });
    expect(result.threads).toMatchObject({ ok: false, checkedRows: 4, firstBrokenSeq: '5', reason });
    // The export writes the number as JSON.stringify does (null): a row that does not match its hash.
    expect(result.file).toMatchObject({ ok: false, checkedRows: 4, firstBrokenSeq: '5', reason: 'row content does not match its hash: the row was altered' });
  });

  it('names the row before a removed one, and a chain whose first rows were removed', async () => {
    await asSuperuser(t.db, 'DELETE FROM audit_events WHERE seq = 5');
    let result = await verifyEveryWay();
    for (const verdict of [result.database, result.threads, result.file]) {
      expect(verdict).toMatchObject({
        ok: false,
        checkedRows: 4,
        firstBrokenSeq: '6',
        reason: 'prev_hash does not match the hash of seq 4, the row before it: a row between them was removed, or rows were reordered or inserted (or this prev_hash was altered)',
      });
    }
    await asSuperuser(t.db, 'DELETE FROM audit_events WHERE seq <= 2');
    result = await verifyEveryWay();
    for (const verdict of [result.database, result.threads, result.file]) {
      expect(verdict).toMatchObject({
        ok: false,
        checkedRows: 0,
        firstBrokenSeq: '3',
        reason: 'prev_hash does not match: the first row’s must be 64 zeros, so rows were removed from the start (or this prev_hash was altered)',
      });
    }
  });

  it('names a row replayed from another chain; forged rows after the last checkpoint pass (docs/AUDIT-FORMAT.md)', async () => {
    const other = await createTestDatabase();
    try {
      for (let i = 1; i <= 5; i++) await appendAudit(other.db, uncatalogued({ eventKey: `other-${i}`, type: 'test.event', actor: 'user:alice', payload: { i } }));
      const { rows } = await other.db.pool.query<{ created_at: Date; prev_hash: string; hash: string }>('SELECT created_at, prev_hash, hash FROM audit_events WHERE seq = 5');
      const replayed = rows[0]!;
      // In place of this chain's seq 5, with its own hash and prev_hash, as valid as in its own chain.
      await asSuperuser(t.db, 'DELETE FROM audit_events WHERE seq = 5');
      await t.db.pool.query(
        `INSERT INTO audit_events (seq, hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash, hash) VALUES (5, 2, 'other-5', NULL, 'test.event', 'user:alice', '{"i":5}', $1, $2, $3)`,
        [replayed.created_at, replayed.prev_hash, replayed.hash],
      );
    } finally {
      await other.drop();
    }
    const result = await verifyEveryWay();
    for (const verdict of [result.database, result.threads, result.file]) {
      expect(verdict).toMatchObject({ ok: false, checkedRows: 4, firstBrokenSeq: '5', reason: expect.stringContaining('prev_hash does not match the hash of seq 4') as string });
    }

    // Rows written as Airlock writes them (the attacker can run its code) after the last checkpoint link up like any other.
    await asSuperuser(t.db, 'DELETE FROM audit_events WHERE seq >= 5');
    await asSuperuser(t.db, 'DELETE FROM audit_checkpoints');
    await appendAudit(t.db, uncatalogued({ eventKey: 'forged', type: 'test.event', actor: 'user:ceo', payload: { approved: true } }));
    expect(await verifyAuditChain(t.db, { keyring })).toMatchObject({ ok: true, checkedRows: 5, checkpoints: { matched: 0, lastSeq: 0 } });
    // The published checkpoints are what shows it.
    expect(await verifyAuditChain(t.db, { keyring, checkpoints: published })).toMatchObject({ ok: false, firstBrokenSeq: '10' });
  });

  it('rows removed from the end: caught up to the last signed checkpoint a verifier is given, not after it (docs/AUDIT-FORMAT.md)', async () => {
    // After the last checkpoint (seq 20) the chain alone cannot show a removal: what is left still links up.
    await asSuperuser(t.db, 'DELETE FROM audit_events WHERE seq > 23');
    let result = await verifyEveryWay();
    for (const verdict of [result.database, result.threads, result.file]) expect(verdict).toMatchObject({ ok: true, headSeq: '23', checkpoints: { matched: 2, lastSeq: 20 } });

    // Past a checkpoint it is caught, unless the checkpoint goes too: then only a copy published outside the database shows it.
    await asSuperuser(t.db, 'DELETE FROM audit_events WHERE seq > 15');
    expect(await verifyAuditChain(t.db, { keyring })).toMatchObject({
      ok: false,
      firstBrokenSeq: '20',
      reason: expect.stringContaining('rows were removed from the end') as string,
    });
    await asSuperuser(t.db, 'DELETE FROM audit_checkpoints WHERE n = 2');
    result = await verifyEveryWay();
    for (const verdict of [result.database, result.threads, result.file]) expect(verdict).toMatchObject({ ok: true, headSeq: '15', checkpoints: { matched: 1, lastSeq: 10 } });
    expect(await verifyAuditChain(t.db, { keyring, checkpoints: published })).toMatchObject({
      ok: false,
      firstBrokenSeq: '20',
      reason: 'the chain ends at seq 15 but checkpoint #2 signs seq 20: rows were removed from the end',
    });
  });
});

describe('an export file handed to an auditor', () => {
  it('is refused without its header on line 1, even when its events link up', async () => {
    const file = await exportTo('audit.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(await verifyAuditExport(file, { keyring })).toMatchObject({ ok: true, checkedRows: 25 });
    const headless = join(dir, 'headless.jsonl');
    await writeFile(headless, ['', ...lines.slice(1)].join('\n'));
    await expect(verifyAuditExport(headless, { keyring })).rejects.toThrow('line 1 is not JSON');
  });

  it('names the line and the row of a malformed event', async () => {
    const file = await exportTo('audit.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[7] = lines[7]!.replace(/"actor":"[^"]*"/, '"actor":7');
    await writeFile(file, lines.join('\n'));
    await expect(verifyAuditExport(file, { keyring })).rejects.toThrow('line 8 (seq 5): actor: ');
  });

  it('refuses an event line with a member the hash does not cover', async () => {
    const file = await exportTo('audit.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[7] = lines[7]!.replace('"actor":', '"approvedBy":"user:ceo","actor":');
    await writeFile(file, lines.join('\n'));
    await expect(verifyAuditExport(file, { keyring })).rejects.toThrow('line 8 (seq 5): Unrecognized key: "approvedBy"');
  });
});
