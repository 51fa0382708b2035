import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createAgent } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// `airlock pending` lists the nearest deadline first, then the oldest round. Rounds opened in the same
// millisecond with the same deadline (or none) tie on both; they come by action id, so every run, and
// every database plan, lists them in the same order.

const exec = promisify(execFile);
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await createAgent(database.db, { id: 'tie-bot', team: 'eng' });
});
afterAll(async () => {
  await database?.drop();
});

async function pendingActionIds(): Promise<string[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url };
  for (const name of ['TEMPORAL_ADDRESS', 'NODE_OPTIONS']) delete env[name];
  const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), 'pending'], { cwd: repoRoot, env });
  expect(stderr).toBe('');
  const [header = '', rule = '', ...rows] = stdout.replace(/\n$/, '').split('\n');
  expect(header).toMatch(/^action +agent +tool /);
  expect(rule).toMatch(/^-+ /);
  return rows.map((row) => row.split(' ')[0]!);
}

/** An action waiting in `round`, opened at `createdAt` with `deadline` (null: none). */
async function waiting(actionId: string, createdAt: Date, deadline: Date | null, round = 1): Promise<void> {
  const argsHash = 'c'.repeat(64);
  await database.db.pool.query(
    `INSERT INTO actions (id, agent_id, tool, args, args_hash, rationale, idempotency_key, workflow_id, status, created_at, updated_at)
     VALUES ($1, 'tie-bot', 'demo.echo', '{}', $2, 'r', $1, $1, 'awaiting_approval', $3, $3)`,
    [actionId, argsHash, createdAt],
  );
  for (let r = 1; r <= round; r++) {
    await database.db.pool.query(
      `INSERT INTO approvals (id, action_id, round, status, required_approvals, approver_role, args_hash, deadline, timeout_outcome, created_at)
       VALUES ($1, $2, $3, $4, 1, 'approver', $5, $6, 'deny', $7)`,
      [`${actionId}-r${r}`, actionId, r, r === round ? 'open' : 'denied', argsHash, deadline, createdAt],
    );
  }
}

describe('airlock pending: ties', () => {
  it('lists rounds with the same deadline and creation millisecond by action id, the same on every run', { timeout: 120_000 }, async () => {
    const opened = new Date('2026-12-06T09:00:00.123Z');
    const deadline = new Date('2026-12-06T10:00:00.456Z');
    // Inserted out of id order, so the table's physical order is not the answer.
    for (const id of ['tie-h', 'tie-c', 'tie-f', 'tie-a', 'tie-g', 'tie-d', 'tie-b', 'tie-e']) await waiting(id, opened, deadline, id === 'tie-d' ? 2 : 1);
    for (const id of ['none-d', 'none-a', 'none-c', 'none-b']) await waiting(id, opened, null);
    // Neither tie: an earlier deadline first; with the same deadline, an older round first.
    await waiting('zz-nearest', new Date(opened.getTime() + 1), new Date(deadline.getTime() - 1));
    await waiting('zz-older', new Date(opened.getTime() - 1), deadline);

    const expected = ['zz-nearest', 'zz-older', 'tie-a', 'tie-b', 'tie-c', 'tie-d', 'tie-e', 'tie-f', 'tie-g', 'tie-h', 'none-a', 'none-b', 'none-c', 'none-d'];
    expect(await pendingActionIds()).toEqual(expected);
    expect(await pendingActionIds()).toEqual(expected);
  });
});
