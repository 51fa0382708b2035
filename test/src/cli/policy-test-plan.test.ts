import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';

const exec = promisify(execFile);
// Each test starts the CLI (tsx compiling it): an upper bound for a busy machine, not a speed check.
const SLOW = { timeout: 300_000 };
const defaultPolicy = path.join(repoRoot, 'packages/policy/policies/default.yaml');

/** Runs the real CLI entry point as a user would (`npm run airlock -- ...`), with no database configured. */
async function airlock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: '', TEMPORAL_ADDRESS: '', AIRLOCK_PUBLIC_URL: '', AIRLOCK_DATA_DIR: path.join(os.tmpdir(), `airlock-cli-no-data-${process.pid}`) },
      timeout: 120_000,
      killSignal: 'SIGKILL',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function samples(requests: unknown): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'airlock-policy-test-')), 'requests.json');
  await writeFile(file, JSON.stringify(requests));
  return file;
}

const refund = (amount: string) => ({ tool: 'payments.refund', args: { paymentId: 'p', amount, currency: 'USD', reason: 'r' } });

describe('airlock policy test with a plan (airlock.plan)', SLOW, () => {
  it('classifies the plan by its steps, as admission does: the strictest step’s decision and quorum, the highest tier', async () => {
    const plan = { name: 'echo then refunds', tool: 'airlock.plan', args: { steps: [{ tool: 'demo.echo', args: { message: 'x' } }, refund('125.00'), refund('2500.00')] } };
    const result = await airlock('policy', 'test', defaultPolicy, await samples([plan]));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[2]).toMatch(/^1\s+echo then refunds\s+require_approval\s+critical\s+2 × approver\s+refunds,large-refunds\s+step 1 \(demo\.echo\): /);
  });

  it('names the bad field of a malformed plan', async () => {
    const requests = await samples([refund('10.00'), { tool: 'airlock.plan', args: { steps: [] } }]);
    const result = await airlock('policy', 'test', defaultPolicy, requests);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^airlock: ${requests.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 1\\.args\\.steps: `));
  });
});
