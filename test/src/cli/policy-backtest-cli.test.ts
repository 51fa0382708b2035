import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { appendAudit } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidatePolicy } from '../policy/candidate-policy.js';
import { repoRoot } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedTeam } from '../support/harness.js';

const exec = promisify(execFile);
const defaultPolicy = path.join(repoRoot, 'packages/policy/policies/default.yaml');

// `airlock policy backtest` and `airlock policy shadow ...` as a user runs them, over seeded (redacted) history.
// Each command is a fresh tsx process (seconds each on a loaded machine): generous limits.
describe('airlock policy backtest / shadow', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let candidate: string;

  async function airlock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await exec(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: database.url, TEMPORAL_ADDRESS: '' },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedTeam(database.db);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-backtest-cli-'));
    candidate = path.join(dir, 'candidate.yaml');
    await writeFile(candidate, await candidatePolicy());
    const seeded = [
      { id: 'act_small', tool: 'payments.refund', args: { paymentId: 'pay_1', amount: '20.00', currency: 'USD', reason: 'dup' }, cost: '20.00' },
      { id: 'act_contact', tool: 'demo.echo', args: { message: 'write to [REDACTED:email] please' }, cost: null },
    ];
    for (const a of seeded) {
      await database.db.prisma.action.create({
        data: {
          id: a.id,
          agentId: 'billing-bot',
          tool: a.tool,
          args: a.args,
          argsHash: a.id,
          rationale: 'seeded',
          idempotencyKey: a.id,
          workflowId: `wf-${a.id}`,
          costEstimate: a.cost,
          signals: {},
        },
      });
    }
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  it('backtest prints the decision changes with their money and the uncertain rule over a redacted field', async () => {
    const result = await airlock('policy', 'backtest', candidate, '--since', '1d', '--against', defaultPolicy);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('2 actions re-evaluated, 1 would change, 1 uncertain, 0 unchanged');
    expect(result.stdout).toMatch(/allow → require_approval\s+1\s+20\.00/);
    expect(result.stdout).toMatch(/candidate\s+echo-contacts\s+args\.message\s+1\s+1/);
    expect(result.stdout).toContain('uncertain: echo-contacts reads args.message');
    const json = JSON.parse((await airlock('policy', 'backtest', candidate, '--since', '1d', '--against', defaultPolicy, '--json')).stdout) as { approvals: unknown };
    expect(json.approvals).toEqual({
      newlyAsked: { count: 1, amount: '20.00', amounts: [{ currency: 'USD', amount: '20.00' }] },
      noLongerAsked: { count: 0, amount: '0.00', amounts: [] },
    });
  });

  it('backtest names the bad option, and asks for the live policy when no worker reports one', async () => {
    const bad = await airlock('policy', 'backtest', candidate, '--since', 'a while', '--against', defaultPolicy);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since');
    const noWorker = await airlock('policy', 'backtest', candidate, '--since', '1d');
    expect(noWorker.code).toBe(1);
    expect(noWorker.stderr).toContain('--against <file>');
  });

  it('backtest refuses a window that ends before it starts, and a --limit that is not a whole number, instead of reporting nothing', async () => {
    // A window reversed by a typo was "0 actions re-evaluated", as if the candidate changed nothing.
    expect(await airlock('policy', 'backtest', candidate, '--since', '2026-12-01', '--until', '2026-11-01', '--against', defaultPolicy)).toEqual({
      code: 1,
      stdout: '',
      stderr: "airlock: --since: 2026-12-01T00:00:00.000Z is not before the window's end, 2026-11-01T00:00:00.000Z\n",
    });
    expect(await airlock('policy', 'backtest', candidate, '--since', '2999-01-01', '--against', defaultPolicy)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^airlock: --since: 2999-01-01T00:00:00\.000Z is not before the window's end, \S+ \(now\)\n$/) as string,
    });
    for (const limit of ['lots', '2.5', '0']) {
      expect(await airlock('policy', 'backtest', candidate, '--since', '1d', '--against', defaultPolicy, '--limit', limit), limit).toEqual({
        code: 1,
        stdout: '',
        stderr: 'airlock: --limit: must be a whole number from 1 to 5000\n',
      });
    }
  });

  it('shadow set, show and clear: audited as the CLI operator', async () => {
    const set = await airlock('policy', 'shadow', 'set', candidate, '--by', 'bob');
    expect(set.stdout).toMatch(/^shadow policy candidate\.yaml version [0-9a-f]{16} set by user:bob/);
    expect((await airlock('policy', 'shadow', 'show')).stdout).toContain('0 differences among');
    expect((await airlock('policy', 'shadow', 'clear', '--by', 'bob')).stdout).toMatch(/^shadow policy [0-9a-f]{16} cleared/);
    expect((await airlock('policy', 'shadow', 'clear')).stdout).toContain('no shadow policy was set');
    const refused = await airlock('policy', 'shadow', 'set', candidate, '--by', 'victor');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('admin');
    const audit = await database.db.prisma.auditEvent.findMany({ where: { type: { startsWith: 'policy.shadow' } }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.type, e.actor])).toEqual([
      ['policy.shadow_set', 'user:bob'],
      ['policy.shadow_cleared', 'user:bob'],
    ]);
  });
});

// The cost column said "20.00" with no currency, while budgets (and so amounts) are per currency.
describe('airlock policy backtest: the cost column', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let candidate: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedTeam(database.db);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-backtest-currency-'));
    candidate = path.join(dir, 'candidate.yaml');
    await writeFile(candidate, await candidatePolicy());
    const refund = (id: string, amount: string, currency: string) => ({ id, args: { paymentId: `pay_${id}`, amount, currency, reason: 'dup' }, cost: amount });
    // act_gbp's stored currency is unreadable (as a redaction leaves it): its reservation's audit row names it.
    for (const a of [refund('act_eur', '20.00', 'EUR'), refund('act_gbp', '30.00', '[REDACTED]')]) {
      await database.db.prisma.action.create({
        data: {
          id: a.id,
          agentId: 'billing-bot',
          tool: 'payments.refund',
          args: a.args,
          argsHash: a.id,
          rationale: 'seeded',
          idempotencyKey: a.id,
          workflowId: `wf-${a.id}`,
          costEstimate: a.cost,
          signals: {},
        },
      });
    }
    await appendAudit(database.db, {
      eventKey: 'act_gbp:budget',
      type: 'budget.reserved',
      actor: 'system:budget',
      actionId: 'act_gbp',
      payload: { amount: '30.00', currency: 'GBP', impacts: [] },
    });
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  it('shows each changed action’s cost estimate with its currency, and sums per currency, in the table and the JSON', async () => {
    const result = await runCli(database.url, 'policy', 'backtest', candidate, '--since', '1d', '--against', defaultPolicy);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^act_eur\s+\S+\s+payments\.refund\s+billing-bot\s+20\.00 EUR\s+allow\/low\s+require_approval\/medium\s+changed$/m);
    expect(result.stdout).toMatch(/^act_gbp\s+\S+\s+payments\.refund\s+billing-bot\s+30\.00 GBP\s+allow\/low\s+require_approval\/medium\s+changed$/m);
    // Never "50.00": euros and pounds are not added together.
    expect(result.stdout).toMatch(/^allow → require_approval\s+2\s+20\.00 EUR \+ 30\.00 GBP$/m);
    expect(result.stdout).toContain('approvals newly asked: 2 (20.00 EUR + 30.00 GBP); no longer asked: 0\n');
    const json = JSON.parse((await runCli(database.url, 'policy', 'backtest', candidate, '--since', '1d', '--against', defaultPolicy, '--json')).stdout) as {
      rows: { actionId: string; costEstimate: string; currency: string }[];
    };
    expect(json.rows.map(({ actionId, costEstimate, currency }) => ({ actionId, costEstimate, currency }))).toEqual([
      { actionId: 'act_eur', costEstimate: '20.00', currency: 'EUR' },
      { actionId: 'act_gbp', costEstimate: '30.00', currency: 'GBP' },
    ]);
  });
});

async function runCli(databaseUrl: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
