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

async function recorded(webhookId: string, status: string, lastStatus: number | null, lastError: string | null): Promise<string> {
  const id = newDeliveryId();
  await t.db.pool.query(
    `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, dedupe_key, audit_seq, payload, status, attempts, next_attempt_at, last_attempt_at, last_status, last_error)
     VALUES ($1, $2, $3, 'action.executed', $4, 0, '{}', $5, 1, now() + interval '1 hour', now(), $6, $7)`,
    [id, webhookId, `evt_${id}`, `${webhookId}:${id}`, status, lastStatus, lastError],
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
});
