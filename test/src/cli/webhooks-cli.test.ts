import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createUser } from '@airlock/db';
import { WEBHOOK_EVENT_TYPES } from '@airlock/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const exec = promisify(execFile);

describe('airlock webhooks', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await createUser(database.db, { id: 'vera', role: 'viewer' });
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** The real CLI entry point, as `npm run airlock -- webhooks ...` runs it. */
  async function webhooks(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await exec(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/cli/src/main.ts'), 'webhooks', ...args], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: database.url, TEMPORAL_ADDRESS: '' },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  const audit = (type: string) => database.db.prisma.auditEvent.findMany({ where: { type }, orderBy: { seq: 'asc' } });

  // Each run starts tsx afresh: a dozen of them take a while on a busy machine.
  it('add prints the secret once and writes one audit row; list never shows it; remove cancels; bad input exits 1 naming the option', async () => {
    const added = await webhooks('add', 'https://hooks.example.com/airlock', '--events', 'action.executed,action.failed', '--description', 'pager');
    expect(added.code, added.stderr).toBe(0);
    const id = /^added webhook (whk_[a-z0-9]{16}) → https:\/\/hooks\.example\.com\/airlock \(action\.executed, action\.failed\)$/m.exec(added.stdout)?.[1];
    const secret = /^signing secret: (whsec_\S+)$/m.exec(added.stdout)?.[1];
    expect(id).toBeDefined();
    expect(secret).toBeDefined();
    expect((await audit('webhook.created')).map((r) => r.actor)).toEqual([expect.stringMatching(/^cli:/)]);

    const listed = await webhooks('list');
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('action.executed,action.failed');
    expect(listed.stdout).not.toContain(secret);

    expect(await webhooks('add', 'ftp://hooks.example.com/x')).toMatchObject({ code: 1, stderr: 'airlock: <url>: must be an http:// or https:// URL\n' });
    // Was zod's `--events (0): Invalid option: expected one of "action.requested"|…`.
    expect(await webhooks('add', 'https://hooks.example.com/x', '--events', 'action.executed,action.exploded')).toMatchObject({
      code: 1,
      stderr: `airlock: --events: must be one of ${WEBHOOK_EVENT_TYPES.join(', ')} (got "action.exploded")\n`,
    });
    expect(await webhooks('deliveries', '--status', 'lost')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'airlock: --status: must be one of pending, delivered, failed, cancelled (got "lost")\n',
    });
    expect(await webhooks('add', 'http://169.254.169.254/x')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^airlock: <url>: must not point at a private, link-local/) });
    expect(await webhooks('add', 'https://hooks.example.com/x', '--by', 'vera')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^airlock: role viewer may not do this/) });
    expect(await webhooks('replay', 'not-a-uuid')).toMatchObject({ code: 1, stderr: 'airlock: <delivery-id>: must be a delivery id like dlv_…\n' });
    expect(await webhooks('remove', 'whk_aaaaaaaaaaaaaaaa')).toMatchObject({ code: 1, stderr: 'airlock: no webhook "whk_aaaaaaaaaaaaaaaa"\n' });
    expect(await database.db.prisma.webhookSubscription.count()).toBe(1);

    const removed = await webhooks('remove', id!);
    expect(removed).toMatchObject({ code: 0, stdout: `removed webhook ${id}; 0 queued deliveries cancelled\n` });
    expect((await audit('webhook.removed')).length).toBe(1);
    expect((await webhooks('deliveries')).stdout).toBe('no deliveries\n');
    // Was zod's "Invalid input: expected number, received NaN".
    for (const limit of ['lots', '1.5', '501']) {
      expect(await webhooks('deliveries', '--limit', limit), limit).toEqual({ code: 1, stdout: '', stderr: 'airlock: --limit: must be a whole number from 1 to 500\n' });
    }
  }, 300_000);
});
