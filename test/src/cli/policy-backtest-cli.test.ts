import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { appendAudit } from '@airlock/db';
import type { BacktestReport, ShadowSummary } from '@airlock/ops/policy';
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
  const airlock = (...args: string[]) => runCli(database.url, ...args);

  beforeAll(async () => {
    ({ database, policyFile: candidate } = await seedHistory('candidate.yaml', await candidatePolicy(), [
      { id: 'act_small', tool: 'payments.refund', args: { paymentId: 'pay_1', amount: '20.00', currency: 'USD', reason: 'dup' }, cost: '20.00' },
      { id: 'act_contact', tool: 'demo.echo', args: { message: 'write to [REDACTED:email] please' }, cost: null },
    ]));
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
      stricter: { count: 0, amount: '0.00', amounts: [] },
      looser: { count: 0, amount: '0.00', amounts: [] },
      otherChanges: { count: 0, amount: '0.00', amounts: [] },
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
    // act_gbp's stored currency is unreadable (as a redaction leaves it): its reservation's audit row names it.
    ({ database, policyFile: candidate } = await seedHistory('candidate.yaml', await candidatePolicy(), [
      refund('act_eur', '20.00', 'EUR'),
      refund('act_gbp', '30.00', '[REDACTED]'),
    ]));
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
    expect(result.stdout).toMatch(/^act_eur\s+\S+\s+payments\.refund\s+billing-bot\s+20\.00 EUR\s+allow\/low\s+require_approval\/medium 1 × approver\s+changed$/m);
    expect(result.stdout).toMatch(/^act_gbp\s+\S+\s+payments\.refund\s+billing-bot\s+30\.00 GBP\s+allow\/low\s+require_approval\/medium 1 × approver\s+changed$/m);
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

// A candidate that only changes who and how many must approve was "no change": only auto / deny /
// approval-asked was compared, so an operator tightening approvals could not see what it touches.
describe('airlock policy backtest / shadow show: approvals asked on other terms', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let tightened: string;

  beforeAll(async () => {
    ({ database, policyFile: tightened } = await seedHistory('two-admins.yaml', await tightenedPolicy(), [refund('act_mid', '125.00'), refund('act_tiny', '20.00')]));
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  it('backtest counts a raised quorum and role as a change, stricter, with the terms, in the text and the JSON', async () => {
    const result = await runCli(database.url, 'policy', 'backtest', tightened, '--since', '1d', '--against', defaultPolicy);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('2 actions re-evaluated, 1 would change, 0 uncertain, 1 unchanged');
    expect(result.stdout).toContain('approvals newly asked: 0; no longer asked: 0\n');
    expect(result.stdout).toContain('approvals asked on other terms: stricter 1 (125.00 USD); looser 0; otherwise changed 0\n');
    expect(result.stdout).toMatch(/^quorum 1 → 2\s+1\s+125\.00 USD$/m);
    expect(result.stdout).toMatch(/^role approver → admin\s+1\s+125\.00 USD$/m);
    expect(result.stdout).toMatch(
      /^act_mid\s+\S+\s+payments\.refund\s+billing-bot\s+125\.00 USD\s+require_approval\/high 1 × approver\s+require_approval\/high 2 × admin\s+changed: quorum 1 → 2, role approver → admin$/m,
    );
    const json = JSON.parse((await runCli(database.url, 'policy', 'backtest', tightened, '--since', '1d', '--against', defaultPolicy, '--json')).stdout) as BacktestReport;
    expect(json).toMatchObject({ changed: 1, same: 1, transitions: [], tierShifts: [] });
    expect(json.approvals.stricter).toEqual({ count: 1, amount: '125.00', amounts: [{ currency: 'USD', amount: '125.00' }] });
    expect([json.approvals.looser.count, json.approvals.otherChanges.count, json.approvals.newlyAsked.count, json.approvals.noLongerAsked.count]).toEqual([0, 0, 0, 0]);
    expect(json.approvalShifts).toEqual([
      { term: 'quorum', from: '1', to: '2', count: 1, amount: '125.00', amounts: [{ currency: 'USD', amount: '125.00' }] },
      { term: 'role', from: 'approver', to: 'admin', count: 1, amount: '125.00', amounts: [{ currency: 'USD', amount: '125.00' }] },
    ]);
    expect(json.rows).toMatchObject([
      {
        actionId: 'act_mid',
        status: 'changed',
        live: { decision: 'require_approval', approval: { requiredApprovals: 1, approverRole: 'approver', timeoutMs: 3_600_000 } },
        candidate: { decision: 'require_approval', approval: { requiredApprovals: 2, approverRole: 'admin' } },
        approvalTerms: [
          { term: 'quorum', from: '1', to: '2', direction: 'stricter' },
          { term: 'role', from: 'approver', to: 'admin', direction: 'stricter' },
        ],
      },
    ]);
    // The live policy against itself: nothing.
    const itself = await runCli(database.url, 'policy', 'backtest', defaultPolicy, '--since', '1d', '--against', defaultPolicy);
    expect(itself.stdout).toContain('0 would change, 0 uncertain, 2 unchanged');
    expect(itself.stdout).toContain('approvals asked on other terms: stricter 0; looser 0; otherwise changed 0');
  });

  it('shadow show totals what workers recorded of the approvals asked on other terms (older rows, without them, are not compared)', async () => {
    const approval = (requiredApprovals: number, timeoutMs: number) => ({
      requiredApprovals,
      approverRole: 'approver',
      denyEndsIt: true,
      timeoutMs,
      timeoutOutcome: 'deny',
      escalation: [],
    });
    const insert = (id: string, live: unknown, shadow: unknown) =>
      database.db.pool.query(
        `INSERT INTO shadow_differences (action_id, shadow_version, tool, agent_id, live_decision, live_tier, shadow_decision, shadow_tier, live_approval, shadow_approval, cost_estimate, currency)
         VALUES ($1, 'v-tight', 'payments.refund', 'billing-bot', 'require_approval', 'high', 'require_approval', 'critical', $2, $3, '125.00', 'USD')`,
        [id, live === null ? null : JSON.stringify(live), shadow === null ? null : JSON.stringify(shadow)],
      );
    await insert('act_q1', approval(1, 3_600_000), approval(2, 3_600_000));
    await insert('act_q2', approval(2, 3_600_000), approval(1, 14_400_000));
    await insert('act_old', null, null);
    const result = await runCli(database.url, 'policy', 'shadow', 'show');
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('3 differences; 0 failed evaluations');
    expect(result.stdout).toContain('approvals asked on other terms: stricter 1 (125.00 USD); looser 1 (125.00 USD); otherwise changed 0\n');
    expect(result.stdout).toMatch(/^quorum 1 → 2\s+1\s+125\.00 USD$/m);
    expect(result.stdout).toMatch(/^deadline 1h → 4h\s+1\s+125\.00 USD$/m);
    expect(result.stdout).toMatch(/^act_q2 .*require_approval\/high 2 × approver\s+require_approval\/critical 1 × approver\s+quorum 2 → 1, deadline 1h → 4h$/m);
    const json = JSON.parse((await runCli(database.url, 'policy', 'shadow', 'show', '--json')).stdout) as ShadowSummary;
    expect(json.approvals).toMatchObject({ stricter: { count: 1 }, looser: { count: 1 }, otherChanges: { count: 0 } });
    expect(json.recent.find((d) => d.actionId === 'act_old')).toMatchObject({ live: { approval: null }, shadow: { approval: null }, approvalTerms: [] });
  });
});

interface SeededAction {
  id: string;
  tool: string;
  args: Record<string, string>;
  cost: string | null;
}

/** A refund billing-bot asked for, as `seedHistory` takes it. */
function refund(id: string, amount: string, currency = 'USD'): SeededAction {
  return { id, tool: 'payments.refund', args: { paymentId: `pay_${id}`, amount, currency, reason: 'dup' }, cost: amount };
}

/**
 * A fresh database with the team and billing-bot's past `actions` as admission stored them (redacted where their
 * args say so), and `policyText` written to a file `policyName` of its own: what a backtest reads.
 */
async function seedHistory(policyName: string, policyText: string, actions: SeededAction[]): Promise<{ database: TestDatabase; policyFile: string }> {
  const database = await createTestDatabase();
  try {
    await seedTeam(database.db);
    const policyFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'airlock-backtest-cli-')), policyName);
    await writeFile(policyFile, policyText);
    for (const a of actions) {
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
    return { database, policyFile };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** The default policy with only the approval of refunds over 50.00 tightened: two admins instead of one approver. */
async function tightenedPolicy(): Promise<string> {
  const text = await readFile(defaultPolicy, 'utf8');
  const tightened = text.replace(
    'reason: refunds over 50.00 need an approver\n',
    'reason: refunds over 50.00 need two admins\n    approval:\n      quorum: 2\n      role: admin\n',
  );
  if (tightened === text) throw new Error('the default policy changed: the tightened candidate no longer differs');
  return tightened;
}

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
