import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import {
  appendAudit,
  checkpointIfDue,
  checkpointKeyring,
  checkpointSigner,
  generateCheckpointKeyPair,
  listCheckpoints,
  verifyAuditChain,
  verifyAuditExport,
  writeAuditExport,
  type AuditCheckpoint,
} from '@airlock/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { deleteRows, rewriteHistory } from './support.js';
import { uncatalogued } from '../support/uncatalogued.js';

let t: TestDatabase;
let dir: string;
const keys = generateCheckpointKeyPair();
const signer = checkpointSigner(keys.privateKeyPem);
const keyring = checkpointKeyring([keys.publicKeyPem]);
const everyTen = { everyRows: 10, everySeconds: 3600 };

beforeEach(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'airlock-checkpoints-'));
});
afterEach(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Appends `count` rows, asking for a checkpoint after each: what the worker's checkpointer does on its tick. */
async function appendWithCheckpoints(count: number, from = 0): Promise<AuditCheckpoint[]> {
  const published: AuditCheckpoint[] = [];
  for (let i = from; i < from + count; i++) {
    await appendAudit(t.db, uncatalogued({ eventKey: `e-${i}`, actionId: `a-${Math.floor(i / 5)}`, type: 'test.event', actor: 'user:alice', payload: { i, amount: `${i}.00` } }));
    const checkpoint = await checkpointIfDue(t.db, signer, everyTen);
    if (checkpoint) published.push(checkpoint);
  }
  return published;
}

async function seqOf(eventKey: string): Promise<bigint> {
  const row = await t.db.prisma.auditEvent.findUniqueOrThrow({ where: { eventKey } });
  return row.seq;
}

describe('signed audit checkpoints', () => {
  it('signs the head every N rows, numbered without gaps, and a clean chain verifies against them', async () => {
    const published = await appendWithCheckpoints(35);
    expect(published.map((c) => [c.n, c.seq])).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    expect(published[0]!.keyId).toBe(keys.keyId);
    expect(await listCheckpoints(t.db)).toEqual(published);
    expect(await checkpointIfDue(t.db, signer, everyTen)).toBeUndefined();
    // Time alone signs too, once there is a new row.
    expect(await checkpointIfDue(t.db, signer, { everyRows: 1000, everySeconds: 0 })).toMatchObject({ n: 4, seq: 35 });
    expect(await checkpointIfDue(t.db, signer, { everyRows: 1000, everySeconds: 0 })).toBeUndefined();
    expect(await verifyAuditChain(t.db, { keyring, checkpoints: published })).toMatchObject({ ok: true, checkedRows: 35, checkpoints: { matched: 4, lastSeq: 35, problems: [] } });
  });

  it('catches a superuser who disables the triggers, alters a middle row and recomputes every later hash', async () => {
    const published = await appendWithCheckpoints(30);
    const victim = await seqOf('e-14');
    await rewriteHistory(t.db, victim, { i: 14, amount: '0.01' });

    // The chain alone is fooled: every link and hash is consistent again.
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checkedRows: 30 });
    // The signed checkpoints are not: the hash at seq 20 is no longer the one signed.
    expect(await verifyAuditChain(t.db, { keyring, checkpoints: published })).toMatchObject({
      ok: false,
      checkedRows: 19,
      firstBrokenSeq: '20',
      suspectFromSeq: '11',
      reason: expect.stringContaining('differs from the one signed in checkpoint #2') as string,
    });
    // The same when chunks of three rows are checked on worker threads and joined in order.
    expect(await verifyAuditChain(t.db, { keyring, checkpoints: published, threads: 2, batchSize: 3 })).toStrictEqual(
      await verifyAuditChain(t.db, { keyring, checkpoints: published }),
    );
    // The same from an export file alone, with only the public key.
    const file = join(dir, 'audit.jsonl');
    const out = createWriteStream(file);
    await writeAuditExport(t.db, out);
    out.end();
    await finished(out);
    expect(await verifyAuditExport(file, { keyring })).toMatchObject({ ok: false, firstBrokenSeq: '20', suspectFromSeq: '11' });
  });

  it('reports a checkpoint deleted from the table when the published copy still has it, and a missing one in an export', async () => {
    const published = await appendWithCheckpoints(30);
    const file = join(dir, 'audit.jsonl');
    const out = createWriteStream(file);
    await writeAuditExport(t.db, out);
    out.end();
    await finished(out);
    const lines = (await readFile(file, 'utf8')).split('\n');
    const withoutSecond = lines.filter((line) => !line.includes('"kind":"checkpoint","n":2,'));
    expect(withoutSecond.length).toBe(lines.length - 1);
    await writeFile(file, withoutSecond.join('\n'));
    expect(await verifyAuditExport(file, { keyring })).toMatchObject({ ok: false, reason: expect.stringContaining('checkpoint #2 is missing') as string });
    // With the published copy beside it, nothing is missing.
    expect(await verifyAuditExport(file, { keyring, checkpoints: published })).toMatchObject({ ok: true, checkpoints: { matched: 3, problems: [] } });
  });

  it('reports forged checkpoints: a wrong key, an altered signature or hash, conflicting twins', async () => {
    const published = await appendWithCheckpoints(20);
    const mallory = checkpointSigner(generateCheckpointKeyPair().privateKeyPem);
    const forgedByOtherKey = mallory.sign({ n: 3, seq: 20, hash: published[1]!.hash, signedAt: new Date().toISOString() });
    expect(await verifyAuditChain(t.db, { keyring, checkpoints: [forgedByOtherKey] })).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`checkpoint #3 is signed by ${mallory.keyId}, which is not among the public keys given`) as string,
    });
    const altered = { ...published[1]!, n: 3, hash: 'f'.repeat(64) };
    expect(await verifyAuditChain(t.db, { keyring, checkpoints: [altered] })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('checkpoint #3 (seq 20) has a signature that does not verify') as string,
    });
    const twin = signer.sign({ n: 2, seq: 19, hash: 'e'.repeat(64), signedAt: new Date().toISOString() });
    expect(await verifyAuditChain(t.db, { keyring, checkpoints: [twin] })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('checkpoint #2 appears twice with different contents') as string,
    });
  });

  it('reports rows removed from the end, past a signed head', async () => {
    const published = await appendWithCheckpoints(20);
    await deleteRows(t.db, 'seq > $1', ['15']);
    expect(await verifyAuditChain(t.db, { keyring, checkpoints: published })).toMatchObject({
      ok: false,
      firstBrokenSeq: '20',
      reason: 'the chain ends at seq 15 but checkpoint #2 signs seq 20: rows were removed from the end',
    });
  });

  it('verifies across a key rotation when every public key is given, and names the unknown one otherwise', async () => {
    await appendWithCheckpoints(10);
    const next = generateCheckpointKeyPair();
    const rotated = checkpointSigner(next.privateKeyPem);
    for (let i = 10; i < 20; i++) await appendAudit(t.db, uncatalogued({ eventKey: `e-${i}`, type: 'test.event', actor: 'user:alice', payload: { i } }));
    expect(await checkpointIfDue(t.db, rotated, everyTen)).toMatchObject({ n: 2, seq: 20, keyId: next.keyId });
    expect(await verifyAuditChain(t.db, { keyring: checkpointKeyring([keys.publicKeyPem, next.publicKeyPem]) })).toMatchObject({ ok: true, checkpoints: { matched: 2 } });
    expect(await verifyAuditChain(t.db, { keyring: checkpointKeyring([next.publicKeyPem]) })).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`checkpoint #1 is signed by ${keys.keyId}`) as string,
    });
  });
});
