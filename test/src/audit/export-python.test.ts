import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { legacyCanonicalJson } from '@airlock/core';
import { sha256Hex } from '@airlock/core/hashing';
import { appendAudit, checkpointIfDue, checkpointKeyring, checkpointSigner, generateCheckpointKeyPair, readCheckpointFile, verifyAuditExport, writeAuditExport } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rewriteHistory } from './support.js';
import { uncatalogued } from '../support/uncatalogued.js';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '../../../tools/verify_audit_export.py');

let t: TestDatabase;
let dir: string;
let exportFile: string;
let publicKey: string;
const keys = generateCheckpointKeyPair();

/** Runs the stdlib-only Python verifier: exit code and what it printed. */
async function python(file: string, ...pems: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('python3', [SCRIPT, file, ...pems]);
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

/**
 * What `airlock audit verify --file` (verifyAuditExport, with the key) says of the same file, in the Python
 * script's words: the verdict line, or a file it cannot read as an export. The script must agree.
 */
async function typescript(file: string, checkpointsFile?: string): Promise<{ code: number; out: string }> {
  try {
    const checkpoints = checkpointsFile ? await readCheckpointFile(checkpointsFile) : undefined;
    const result = await verifyAuditExport(file, { keyring: checkpointKeyring([keys.publicKeyPem]), ...(checkpoints ? { checkpoints } : {}) });
    if (result.ok) return { code: 0, out: `verified: ${result.checkedRows} rows` };
    return { code: 1, out: `NOT VERIFIED: ${result.firstBrokenSeq ? `seq ${result.firstBrokenSeq}: ` : ''}${result.reason}\n` };
  } catch (error) {
    return { code: 1, out: `verify_audit_export.py: ${(error as Error).message}\n` };
  }
}

async function exportTo(file: string): Promise<void> {
  const out = createWriteStream(file);
  await writeAuditExport(t.db, out);
  out.end();
  await finished(out);
}

// Payloads that exercise RFC 8785 where languages differ: number forms, key order by UTF-16, escapes, __proto__.
const payloads: unknown[] = [
  { amount: '65.00', ratio: 0.1, big: 1e21, huge: 123456789012345680000, small: 1e-7, tiny: -2.5e-8, third: 1 / 3, int: 42, neg: -0.5 },
  { '\u20ac': 'euro', '\r': 'cr', '\ufb33': 'dalet', '1': 'one', '😀': 'emoji', '\u0080': 'ctl', ö: 'ö', text: 'line\nbreak "q" \\ \u0007 \u2028 é' },
  JSON.parse('{"amount":"1.00","__proto__":{"amount":"9999"},"list":[null,true,false,[],{}]}'),
  { nested: { deep: [{ b: 2, a: 1 }, ['x', 1.5]] } },
];

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'airlock-export-'));
  publicKey = join(dir, 'public.pem');
  await writeFile(publicKey, keys.publicKeyPem);
  // A row from before RFC 8785 (hash version 1), with a __proto__ key the legacy form dropped.
  const legacyPayload = JSON.parse('{"old":true,"__proto__":{"x":1}}') as unknown;
  const createdAt = new Date('2026-11-30T10:00:00.000Z');
  const old = {
    prevHash: '0'.repeat(64),
    eventKey: 'legacy-1',
    actionId: null,
    type: 'test.event',
    actor: 'user:alice',
    payload: legacyPayload,
    createdAt: createdAt.toISOString(),
  };
  await t.db.pool.query(
    'INSERT INTO audit_events (hash_version, event_key, action_id, type, actor, payload, created_at, prev_hash, hash) VALUES (1, $1, NULL, $2, $3, $4, $5, $6, $7)',
    [old.eventKey, old.type, old.actor, JSON.stringify(legacyPayload), createdAt, old.prevHash, sha256Hex(legacyCanonicalJson(old))],
  );
  const signer = checkpointSigner(keys.privateKeyPem);
  for (let i = 0; i < 24; i++) {
    await appendAudit(t.db, uncatalogued({ eventKey: `e-${i}`, actionId: `a-${i % 3}`, type: 'test.event', actor: 'agent:bot', payload: payloads[i % payloads.length] }));
    await checkpointIfDue(t.db, signer, { everyRows: 8, everySeconds: 3600 });
  }
  exportFile = join(dir, 'audit.jsonl');
  await exportTo(exportFile);
});
afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

/** The export's lines, changed by `edit` (a line it returns as null is left out), written to `name` in the test directory. */
async function variant(name: string, edit: (line: string, lines: string[]) => string | null): Promise<string> {
  const lines = (await readFile(exportFile, 'utf8')).split('\n');
  const file = join(dir, name);
  await writeFile(file, lines.flatMap((line) => edit(line, lines) ?? []).join('\n'));
  return file;
}

const isEvent = (key: string) => (line: string) => line.includes(`"eventKey":"${key}"`);
const isCheckpoint = (n: number) => (line: string) => line.includes(`"kind":"checkpoint","n":${n},`);

describe('the Python verifier (tools/verify_audit_export.py, stdlib only)', () => {
  it('verifies an export: both hash versions, every checkpoint signature', async () => {
    expect(await python(exportFile, publicKey)).toEqual({
      code: 0,
      out: 'verified: 25 rows, 3 checkpoints\nrows after seq 18 are not yet covered by a signed checkpoint\n',
    });
    // The key as --public-key, or the private key it belongs to (Node's createPublicKey takes either), verify alike.
    const privateKey = join(dir, 'private.pem');
    await writeFile(privateKey, keys.privateKeyPem);
    expect(await python(exportFile, '--public-key', privateKey)).toMatchObject({ code: 0, out: expect.stringMatching(/^verified: 25 rows, 3 checkpoints\n/) as string });
  });

  it('without a public key checks links and hashes only, as airlock audit verify does', async () => {
    const unsigned = await variant('unsigned-mismatch.jsonl', (line) => (isCheckpoint(2)(line) ? line.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'e'.repeat(64)}"`) : line));
    expect(await python(unsigned)).toEqual({ code: 0, out: 'verified: 25 rows (links and hashes only: give a public key to check the signed checkpoints)\n' });
  });

  it('fails on an export whose row was altered', async () => {
    const tampered = await variant('altered.jsonl', (line) => (isEvent('e-6')(line) ? line.replace('"amount":"1.00"', '"amount":"1.01"') : line));
    const result = await python(tampered, publicKey);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/NOT VERIFIED: seq 8: row content does not match its hash/);
  });

  it('refuses a member an event line does not have (one beside the payload is covered by no hash)', async () => {
    const added = await variant('approved-by.jsonl', (line) => (isEvent('e-6')(line) ? line.replace('"payload":', '"approvedBy":"user:mallory","payload":') : line));
    expect(await python(added, publicKey)).toEqual({ code: 1, out: 'verify_audit_export.py: line 12 (seq 8): Unrecognized key: "approvedBy"\n' });
    expect(await typescript(added)).toEqual(await python(added, publicKey));
  });

  it('refuses an event line without its payload, as a format error (version 1 would hash the row without it)', async () => {
    const dropped = await variant('no-payload.jsonl', (line) => (isEvent('e-6')(line) ? line.replace(/"payload":.*?,"createdAt":/, '"createdAt":') : line));
    expect(await python(dropped, publicKey)).toEqual({ code: 1, out: 'verify_audit_export.py: line 12 (seq 8): payload: required\n' });
    expect(await typescript(dropped)).toEqual(await python(dropped, publicKey));
  });

  it('refuses rows out of seq order (seq is not hashed)', async () => {
    const renumbered = await variant('out-of-order.jsonl', (line) => (isEvent('e-6')(line) ? line.replace('"seq":8,', '"seq":1,') : line));
    expect(await python(renumbered, publicKey)).toEqual({ code: 1, out: 'NOT VERIFIED: seq 1: seq 1 follows seq 7: rows are out of order or duplicated\n' });
    expect(await typescript(renumbered)).toEqual(await python(renumbered, publicKey));
  });

  it('refuses a hash version it does not know, not hashing the row as version 1', async () => {
    const unknown = await variant('hash-version.jsonl', (line) => (isEvent('legacy-1')(line) ? line.replace('"hashVersion":1,', '"hashVersion":3,') : line));
    expect(await python(unknown, publicKey)).toEqual({ code: 1, out: 'NOT VERIFIED: seq 1: unknown hash version 3\n' });
    expect(await typescript(unknown)).toEqual(await python(unknown, publicKey));
  });

  it('refuses a header of another version, lines of another kind and checkpoints after the events', async () => {
    const header = await variant('header-v2.jsonl', (line, lines) => (line === lines[0] ? line.replace('"version":1', '"version":2') : line));
    expect(await python(header, publicKey)).toEqual({ code: 1, out: 'verify_audit_export.py: line 1: version: Invalid input: expected 1\n' });
    expect(await typescript(header)).toEqual(await python(header, publicKey));
    const noHeader = await variant('no-header.jsonl', (line, lines) => (line === lines[0] ? null : line));
    expect(await python(noHeader, publicKey)).toMatchObject({
      code: 1,
      out: expect.stringContaining('verify_audit_export.py: line 1: format: Invalid input: expected "airlock-audit-export"') as string,
    });
    // The last row relabelled: skipped, it would leave a chain one row shorter that verifies.
    const relabelled = await variant('kind.jsonl', (line) => (isEvent('e-23')(line) ? line.replace('"kind":"event"', '"kind":"note"') : line));
    expect(await python(relabelled, publicKey)).toEqual({ code: 1, out: 'verify_audit_export.py: line 29: kind: Invalid input: expected "event"\n' });
    expect(await typescript(relabelled)).toEqual(await python(relabelled, publicKey));
    const late = await variant('late-checkpoint.jsonl', (line, lines) =>
      isCheckpoint(3)(line) ? null : isEvent('e-23')(line) ? `${line}\n${lines.find(isCheckpoint(3))!}` : line,
    );
    expect(await python(late, publicKey)).toEqual({ code: 1, out: 'verify_audit_export.py: line 29: checkpoints must come before the events\n' });
    expect(await typescript(late)).toEqual(await python(late, publicKey));
    const empty = join(dir, 'empty.jsonl');
    await writeFile(empty, '');
    expect(await python(empty, publicKey)).toEqual({ code: 1, out: `verify_audit_export.py: ${empty} is empty: expected the airlock-audit-export header line\n` });
    expect(await typescript(empty)).toEqual(await python(empty, publicKey));
  });

  it('fails on a forged checkpoint signature, a missing checkpoint and two different ones under one number', async () => {
    const forgedLine = (line: string) => line.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'f'.repeat(64)}"`);
    const forged = await variant('forged.jsonl', (line) => (isCheckpoint(2)(line) ? forgedLine(line) : line));
    expect(await python(forged, publicKey)).toEqual({
      code: 1,
      out: 'NOT VERIFIED: the checkpoints do not hold: checkpoint #2 (seq 10) has a signature that does not verify: it was forged or altered\n',
    });
    expect(await typescript(forged)).toEqual(await python(forged, publicKey));
    const missing = await variant('missing.jsonl', (line) => (isCheckpoint(2)(line) ? null : line));
    expect(await python(missing, publicKey)).toEqual({ code: 1, out: 'NOT VERIFIED: the checkpoints do not hold: checkpoint #2 is missing\n' });
    expect(await typescript(missing)).toEqual(await python(missing, publicKey));
    // The genuine copy last: a verifier that kept the last copy per number would pass it (the first is kept, as airlock audit verify keeps it).
    const twice = await variant('twice.jsonl', (line) => (isCheckpoint(2)(line) ? `${forgedLine(line)}\n${line}` : line));
    expect(await python(twice, publicKey)).toEqual({
      code: 1,
      out: 'NOT VERIFIED: the checkpoints do not hold: checkpoint #2 appears twice with different contents; checkpoint #2 (seq 10) has a signature that does not verify: it was forged or altered\n',
    });
    expect(await typescript(twice)).toEqual(await python(twice, publicKey));
    const bad = join(dir, 'not-a-key.pem');
    await writeFile(bad, '-----BEGIN PUBLIC KEY-----\nAAAAA\n-----END PUBLIC KEY-----\n');
    expect(await python(exportFile, bad)).toMatchObject({ code: 1, out: expect.stringContaining(`--public-key: ${bad} is not an Ed25519 public key in PEM form`) as string });
  });

  it('names a removed checkpointed row, and rows removed from the end past a published checkpoint (--checkpoints)', async () => {
    const removed = await variant('removed-row.jsonl', (line) => (line.includes('"kind":"event","seq":10,') ? null : line));
    expect(await python(removed, publicKey)).toEqual({ code: 1, out: 'NOT VERIFIED: seq 10: checkpoint #2 signs seq 10, which is not in the chain: the row was removed\n' });
    expect(await typescript(removed)).toEqual(await python(removed, publicKey));
    // The newest checkpoint and the rows from its seq on removed: the export alone verifies; the published copy shows it.
    const truncated = await variant('truncated.jsonl', (line) => (isCheckpoint(3)(line) || /"kind":"event","seq":(1[89]|2\d),/.test(line) ? null : line));
    expect(await python(truncated, publicKey)).toMatchObject({ code: 0 });
    const sink = await variant('sink.jsonl', (line) => (line.includes('"kind":"checkpoint"') ? line : null));
    expect(await python(truncated, publicKey, '--checkpoints', sink)).toEqual({
      code: 1,
      out: 'NOT VERIFIED: seq 18: the chain ends at seq 17 but checkpoint #3 signs seq 18: rows were removed from the end\n',
    });
    expect(await typescript(truncated, sink)).toEqual(await python(truncated, publicKey, '--checkpoints', sink));
    expect(await python(truncated, '--checkpoints', sink)).toEqual({
      code: 1,
      out: 'verify_audit_export.py: --checkpoints needs --public-key: an unsigned checkpoint proves nothing\n',
    });
  });

  it('names a row whose payload holds a number past a double’s range, rather than failing with a traceback', async () => {
    const huge = await variant('huge.jsonl', (line) => (isEvent('e-6')(line) ? line.replace('"amount":"1.00"', '"amount":1e400') : line));
    expect(await python(huge, publicKey)).toEqual({
      code: 1,
      out: 'NOT VERIFIED: seq 8: row content cannot be hashed: the payload holds a number beyond the range of a double (such as 1e400), which Airlock never writes: the row was altered\n',
    });
    expect(await typescript(huge)).toEqual(await python(huge, publicKey));
  });

  it('reads JSON as JSON.parse does and hashes as RFC 8785 does: a NaN literal is not JSON, a lone surrogate has no canonical form', async () => {
    const nan = await variant('nan.jsonl', (line) => (isEvent('e-6')(line) ? line.replace('"amount":"1.00"', '"amount":NaN') : line));
    expect(await python(nan, publicKey)).toEqual({ code: 1, out: 'verify_audit_export.py: line 12 is not JSON\n' });
    expect(await typescript(nan)).toEqual(await python(nan, publicKey));
    const lone = await variant('lone-surrogate.jsonl', (line) => (isEvent('e-6')(line) ? line.replace('"amount":"1.00"', '"amount":"\\ud800"') : line));
    expect(await python(lone, publicKey)).toEqual({
      code: 1,
      out: 'NOT VERIFIED: seq 8: row content cannot be hashed: its fields have no canonical JSON (Lone surrogate is not allowed), which Airlock never writes: the row was altered\n',
    });
    expect(await typescript(lone)).toEqual(await python(lone, publicKey));
  });

  it('catches a superuser rewrite (hashes recomputed) through the signed checkpoints', async () => {
    // Checkpoints sit at seq 2 (the old legacy row made one due at once), 10 and 18; the rewrite at seq 5 shows at 10.
    const victim = await t.db.prisma.auditEvent.findUniqueOrThrow({ where: { eventKey: 'e-3' } });
    await rewriteHistory(t.db, victim.seq, { nested: { deep: [] } });
    const rewritten = join(dir, 'rewritten.jsonl');
    await exportTo(rewritten);
    expect(await python(rewritten, publicKey)).toEqual({
      code: 1,
      out: 'NOT VERIFIED: seq 10: the hash of seq 10 differs from the one signed in checkpoint #2: a row from seq 3 on was rewritten and the later hashes recomputed\n',
    });
    expect(await typescript(rewritten)).toEqual(await python(rewritten, publicKey));
  });
});
