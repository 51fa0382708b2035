import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appendAudit, checkpointIfDue, checkpointSigner, generateCheckpointKeyPair } from '@airlock/db';
import { createWebhook, runUseCase, type Operator } from '@airlock/ops';
import { deriveDeliveries, WebhookDispatcher } from '@airlock/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uncatalogued } from '../support/uncatalogued.js';
import { WebhookReceiver, type ReceivedWebhook } from './receiver.js';

// docs/WEBHOOKS.md's verification snippets, taken from the document as a receiver's developer would copy
// them, run in Node and in Python against a real delivery: they accept it and refuse a tampered one.

const run = promisify(execFile);
const DOC = new URL('../../../docs/WEBHOOKS.md', import.meta.url);

let t: TestDatabase;
let receiver: WebhookReceiver;
let dir: string;
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };

beforeAll(async () => {
  t = await createTestDatabase();
  receiver = await WebhookReceiver.start();
  dir = await mkdtemp(join(tmpdir(), 'webhook-docs-'));
});
afterAll(async () => {
  await receiver?.close();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The one fenced block of `language` in the document that defines `name`. */
async function snippet(language: string, name: string): Promise<string> {
  const doc = await readFile(DOC, 'utf8');
  const blocks = [...doc.matchAll(/```(\w+)\n([\s\S]*?)```/g)].filter(([, lang, code]) => lang === language && code!.includes(name)).map(([, , code]) => code!);
  expect(blocks, `docs/WEBHOOKS.md has one \`\`\`${language} block defining ${name}`).toHaveLength(1);
  return blocks[0]!;
}

interface Case {
  secret: string;
  headers: Record<string, string>;
  body: string;
}

/** What a verifier says about each case: the event's type, or `refused: <why>`. */
type Verdicts = string[];

async function node(cases: Case[]): Promise<Verdicts> {
  await writeFile(join(dir, 'verify.mjs'), await snippet('js', 'verifyAirlockWebhook'));
  await writeFile(
    join(dir, 'run.mjs'),
    `import { verifyAirlockWebhook } from './verify.mjs';
const cases = JSON.parse(process.argv[2]);
const out = cases.map(({ secret, headers, body }) => {
  try { return verifyAirlockWebhook(secret, headers, Buffer.from(body, 'base64')).type; } catch (error) { return 'refused: ' + error.message; }
});
console.log(JSON.stringify(out));`,
  );
  const { stdout } = await run('node', [join(dir, 'run.mjs'), JSON.stringify(cases)], { cwd: dir });
  return JSON.parse(stdout) as Verdicts;
}

async function python(cases: Case[]): Promise<Verdicts> {
  const code = `${await snippet('python', 'def verify_airlock_webhook')}
import sys
out = []
for case in json.loads(sys.argv[1]):
    try:
        out.append(verify_airlock_webhook(case["secret"], case["headers"], base64.b64decode(case["body"]))["type"])
    except ValueError as error:
        out.append(f"refused: {error}")
print(json.dumps(out))
`;
  await writeFile(join(dir, 'verify.py'), code);
  const { stdout } = await run('python3', [join(dir, 'verify.py'), JSON.stringify(cases)], { cwd: dir });
  return JSON.parse(stdout) as Verdicts;
}

describe("docs/WEBHOOKS.md's signature check, as a receiver copies it", () => {
  it('accepts a real delivery in Node and in Python, and refuses a tampered body, another secret, a stale timestamp and a missing signature', async () => {
    const { secret } = await runUseCase({ db: t.db }, admin, createWebhook, { url: receiver.url, events: ['audit.checkpoint'] });
    const signer = checkpointSigner(generateCheckpointKeyPair().privateKeyPem);
    await appendAudit(t.db, uncatalogued({ eventKey: 'docs-1', type: 'test.event', actor: 'user:alice', payload: {} }));
    expect(await checkpointIfDue(t.db, signer, { everyRows: 1, everySeconds: 3600 })).not.toBeNull();
    await deriveDeliveries(t.db);
    await new WebhookDispatcher({ db: t.db, logger: { info: () => undefined, warn: () => undefined }, allowLoopback: true }).runOnce();
    const delivered: ReceivedWebhook = await receiver.waitFor('the checkpoint', () => receiver.accepted((b) => b.type === 'audit.checkpoint')[0]);

    const headers = {
      'webhook-id': String(delivered.headers['webhook-id']),
      'webhook-timestamp': String(delivered.headers['webhook-timestamp']),
      'webhook-signature': String(delivered.headers['webhook-signature']),
    };
    const body = Buffer.from(delivered.body, 'utf8').toString('base64');
    const tampered = Buffer.from(delivered.body.replace(/"n":\d+/, '"n":999'), 'utf8').toString('base64');
    const cases: Case[] = [
      { secret, headers, body },
      // A second entry in the header (a rotation on the sender's side) does not stop the right one from matching.
      { secret, headers: { ...headers, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} ${headers['webhook-signature']}` }, body },
      { secret, headers, body: tampered },
      { secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`, headers, body },
      { secret, headers: { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 3600) }, body },
      { secret, headers: { 'webhook-id': headers['webhook-id'], 'webhook-timestamp': headers['webhook-timestamp'] }, body },
      // A signature that is not ASCII is refused like any wrong one (Python's compare_digest raises TypeError on such str).
      { secret, headers: { ...headers, 'webhook-signature': 'v1,é' }, body },
    ];
    const expected = [
      'audit.checkpoint',
      'audit.checkpoint',
      'refused: bad signature',
      'refused: bad signature',
      'refused: stale timestamp',
      'refused: not a signed webhook',
      'refused: bad signature',
    ];
    expect(await node(cases)).toEqual(expected);
    expect(await python(cases)).toEqual(expected);
  });
});
