import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';

const exec = promisify(execFile);
const defaultPolicy = path.join(repoRoot, 'packages/policy/policies/default.yaml');

/** Runs the real CLI entry point as a user would (`npm run airlock -- ...`). */
async function airlock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: '', TEMPORAL_ADDRESS: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function tempFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-cli-'));
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

describe('airlock policy', () => {
  it('check accepts the default policy and prints its version', async () => {
    const result = await airlock('policy', 'check', defaultPolicy);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok .*default\.yaml: 15 rules, 1 rate limits, version [0-9a-f]{16}\n$/) });
  });

  it('check rejects a bad policy naming the file, rule and position, exit 1', async () => {
    const file = await tempFile(
      'bad.yaml',
      'apiVersion: airlock/v1\nrules:\n  - id: oops\n    tools: [payments.refund]\n    when: cents(args.amount) > "100"\n    tier: high\n    outcome: deny\n    reason: r\n',
    );
    const result = await airlock('policy', 'check', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`airlock: policy rejected: ${file}`);
    expect(result.stderr).toMatch(/rules\[0\]\.when \(rule "oops"\) column \d+: .*cents\(args\.amount\) > "100"/);
  });

  it('test prints how each sample request is classified, as a table', async () => {
    const requests = await tempFile(
      'requests.json',
      JSON.stringify([
        { name: 'small refund', tool: 'payments.refund', args: { amount: '10.00' } },
        { name: 'large refund', tool: 'payments.refund', args: { amount: '2500.00' } },
        { name: 'not allowed', tool: 'payments.refund', args: { amount: '1.00' }, agent: { allowedTools: ['demo.*'] } },
      ]),
    );
    const result = await airlock('policy', 'test', defaultPolicy, requests);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^#\s+request\s+decision\s+tier\s+approval\s+rules\s+reasons$/);
    expect(lines[2]).toMatch(/^1\s+small refund\s+allow\s+low\s+small-refunds/);
    expect(lines[3]).toMatch(/^2\s+large refund\s+require_approval\s+critical\s+2 × approver\s+refunds,large-refunds/);
    expect(lines[4]).toMatch(/^3\s+not allowed\s+deny\s+high\s+-\s+agent "sample-agent" is not allowed/);
  });

  it('test names the bad field of a malformed requests file', async () => {
    const requests = await tempFile('requests.json', JSON.stringify([{ tool: 'demo.echo' }, { tool: 42 }]));
    const result = await airlock('policy', 'test', defaultPolicy, requests);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`airlock: ${requests}: 1.tool: Invalid input: expected string, received number\n`);
  });
});

describe('airlock kill switch commands', () => {
  it('refuse an ambiguous scope before touching anything', async () => {
    const result = await airlock('suspend', '--agent', 'a', '--team', 't', '--reason', 'r', '--by', 'me');
    expect(result).toMatchObject({ code: 1, stderr: 'airlock: name exactly one of --agent <id>, --team <name> or --tenant\n' });
  });

  it('explain missing configuration by variable name', async () => {
    const result = await airlock('resume', '--agent', 'a', '--by', 'me');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^airlock: invalid configuration: DATABASE_URL: /);
  });
});
