import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { legacyCanonicalJson } from '@airlock/core';
import { sha256Hex } from '@airlock/core/hashing';
import { appendAudit, checkpointIfDue, checkpointSigner, generateCheckpointKeyPair, writeAuditExport } from '@airlock/db';
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

describe('the Python verifier (tools/verify_audit_export.py, stdlib only)', () => {
  it('verifies an export: both hash versions, every checkpoint signature', async () => {
    expect(await python(exportFile, publicKey)).toEqual({ code: 0, out: 'verified: 25 rows, 3 checkpoints\n' });
  });

  it('fails on an export whose row was altered', async () => {
    const lines = (await readFile(exportFile, 'utf8')).split('\n');
    const at = lines.findIndex((line) => line.includes('"eventKey":"e-6"'));
    lines[at] = lines[at]!.replace('"amount":"1.00"', '"amount":"1.01"');
    const tampered = join(dir, 'altered.jsonl');
    await writeFile(tampered, lines.join('\n'));
    const result = await python(tampered, publicKey);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/NOT VERIFIED: seq 8: row content does not match its hash/);
  });

  it('fails on a forged checkpoint signature and on a missing checkpoint', async () => {
    const lines = (await readFile(exportFile, 'utf8')).split('\n');
    const forged = lines.map((line) => (line.includes('"kind":"checkpoint","n":2,') ? line.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'f'.repeat(64)}"`) : line));
    await writeFile(join(dir, 'forged.jsonl'), forged.join('\n'));
    expect(await python(join(dir, 'forged.jsonl'), publicKey)).toMatchObject({ code: 1, out: expect.stringContaining('checkpoint #2: bad signature') as string });
    await writeFile(join(dir, 'missing.jsonl'), lines.filter((line) => !line.includes('"kind":"checkpoint","n":2,')).join('\n'));
    expect(await python(join(dir, 'missing.jsonl'), publicKey)).toMatchObject({ code: 1, out: expect.stringContaining('checkpoint #2 is missing') as string });
  });

  it('catches a superuser rewrite (hashes recomputed) through the signed checkpoints', async () => {
    // Checkpoints sit at seq 2 (the old legacy row made one due at once), 10 and 18; the rewrite at seq 5 shows at 10.
    const victim = await t.db.prisma.auditEvent.findUniqueOrThrow({ where: { eventKey: 'e-3' } });
    await rewriteHistory(t.db, victim.seq, { nested: { deep: [] } });
    const rewritten = join(dir, 'rewritten.jsonl');
    await exportTo(rewritten);
    expect(await python(rewritten, publicKey)).toMatchObject({ code: 1, out: expect.stringContaining('seq 10: differs from signed checkpoint') as string });
  });
});
