import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createWebhook, runUseCase, type Operator } from '@airlock/ops';
import { newDeliveryId } from '@airlock/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// `airlock webhooks ...` as an operator reads it: why an attempt failed, not only its status; what a subscription gets.

const exec = promisify(execFile);
let t: TestDatabase;
const admin: Operator = { actor: 'user:admin', userId: null, role: 'admin', channel: 'cli' };

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

async function recorded(webhookId: string, status: string, lastStatus: number | null, lastError: string | null, eventId?: string): Promise<string> {
  const id = newDeliveryId();
  await t.db.pool.query(
    `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, dedupe_key, audit_seq, payload, status, attempts, next_attempt_at, last_attempt_at, last_status, last_error)
     VALUES ($1, $2, $3, 'action.executed', $4, 0, '{}', $5, 1, now() + interval '1 hour', now(), $6, $7)`,
    [id, webhookId, eventId ?? `evt_${id}`, `${webhookId}:${id}`, status, lastStatus, lastError],
  );
  return id;
}

async function airlock(...args: string[]): Promise<string> {
  const { stdout } = await exec(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: t.url, TEMPORAL_ADDRESS: '' },
  });
  return stdout;
}

describe('airlock webhooks add', () => {
  it('says that a subscription without --events gets every event, checkpoints included (not only the lifecycle)', async () => {
    expect(await airlock('webhooks', 'add', 'https://hooks.example.com/everything')).toMatch(
      /^added webhook whk_[a-z0-9]{16} → https:\/\/hooks\.example\.com\/everything \(every event, audit\.checkpoint included\)$/m,
    );
  }, 120_000);
});

describe('airlock webhooks deliveries', () => {
  it("shows each attempt's error where there is one, and the status of a delivered one", async () => {
    const { webhook } = await runUseCase({ db: t.db }, admin, createWebhook, { url: 'https://hooks.example.com/airlock' });
    const redirected = await recorded(webhook.id, 'pending', 302, 'HTTP 302: redirects are not followed');
    const refused = await recorded(webhook.id, 'failed', null, 'connect ECONNREFUSED 203.0.113.9:443');
    const delivered = await recorded(webhook.id, 'delivered', 204, null);
    const stdout = await airlock('webhooks', 'deliveries');
    const line = (id: string) => stdout.split('\n').find((l) => l.startsWith(id)) ?? '';
    expect(line(redirected)).toContain('HTTP 302: redirects are not followed');
    expect(line(refused)).toMatch(/failed .*connect ECONNREFUSED 203\.0\.113\.9:443/);
    expect(line(delivered)).toMatch(/delivered .*HTTP 204/);
  }, 120_000);

  it('finds the deliveries of the event a receiver names by its webhook-id header (--event), and refuses what is not an event id', async () => {
    const { webhook } = await runUseCase({ db: t.db }, admin, createWebhook, { url: 'https://hooks.example.com/by-event' });
    const named = await recorded(webhook.id, 'failed', 500, 'HTTP 500', 'evt_4107_0');
    const replayed = await recorded(webhook.id, 'delivered', 204, null, 'evt_4107_0');
    const other = await recorded(webhook.id, 'delivered', 204, null, 'evt_4107_1');
    const stdout = await airlock('webhooks', 'deliveries', '--event', 'evt_4107_0');
    const ids = stdout.split('\n').map((l) => l.split(' ')[0]);
    expect(ids).toContain(named);
    expect(ids).toContain(replayed);
    expect(ids).not.toContain(other);
    const refused = await airlock('webhooks', 'deliveries', '--event', 'whk_not_an_event').then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('airlock: --event: must be an event id like evt_<seq>_<n> or ckpt_<n> (the webhook-id header)');
  }, 120_000);
});
