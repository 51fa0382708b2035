import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { workflowIdForAction } from '@airlock/core';
import { createAgent, createUser } from '@airlock/db';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Which modules a CLI command loads, not how fast: every command used to load Temporal's client and
// the policy compiler (CEL) through @airlock/ops's barrel, and paid for it in CPU on each start; then
// the guardrails (through @airlock/db's entry, whose audit appending redacts) and Temporal's workflow
// package (through @airlock/core's entry, whose Update definitions come from it); then Prisma's query
// compiler (suspensions, grants, pending, slack links, the decisions' open-round look-up and a refused
// decision's account of who closed the round read through Prisma, not plain SQL). A plain database
// command must load none of them; the controls show the recorder sees each kind.

const exec = promisify(execFile);
const SLOW = { timeout: 600_000 };
const tsx = path.join(repoRoot, 'node_modules/tsx/dist');
const recorder = pathToFileURL(path.join(import.meta.dirname, 'module-recorder.ts')).href;
// A data directory nothing runs in: the CLI finds no embedded database or Temporal of npm start there.
const NO_DATA_DIR = path.join(os.tmpdir(), `airlock-cli-no-data-${process.pid}`);

const isTemporalClient = (file: string) => file.includes('/node_modules/@temporalio/client/');
const isPolicyCompiler = (file: string) => file === 'packages/policy/src/compile.ts' || file.includes('/node_modules/@marcbachmann/cel-js/');
const isDatabaseLayer = (file: string) => file.startsWith('prisma/src/');
const isGuardrails = (file: string) => file.startsWith('packages/guardrails/');
const isTemporalWorkflow = (file: string) => file.includes('/node_modules/@temporalio/workflow/');
// Prisma's query compiler (query_compiler_fast_bg.postgresql.mjs and its WASM, inlined as base64), loaded
// by a process's first Prisma query and compiled then: about 0.5 s of CPU before the query is sent.
const isPrismaQueryCompiler = (file: string) => /\/node_modules\/@prisma\/client\/runtime\/query_compiler[^/]*$/.test(file);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Repository-relative for the checkout's own files; absolute (under node_modules) otherwise. */
  modules: string[];
}

/** The CLI as `npm run airlock` starts it (node with tsx's loader), with the module recorder preloaded. */
async function airlockRecorded(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return recorded(path.join(repoRoot, 'apps/cli/src/main.ts'), env, ...args);
}

/** A TypeScript entry as the CLI is started, with the module recorder preloaded. */
async function recorded(entry: string, env: Record<string, string>, ...args: string[]): Promise<Run> {
  const log = path.join(await mkdtemp(path.join(os.tmpdir(), 'airlock-cli-modules-')), 'modules.log');
  const argv = ['--require', path.join(tsx, 'preflight.cjs'), '--import', pathToFileURL(path.join(tsx, 'loader.mjs')).href, '--import', recorder, entry, ...args];
  const options = {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '', TEMPORAL_ADDRESS: '', AIRLOCK_DATA_DIR: NO_DATA_DIR, MODULE_LOG: log, ...env },
    timeout: 120_000,
    killSignal: 'SIGKILL' as const,
  };
  let result: Omit<Run, 'modules'>;
  try {
    result = { code: 0, ...(await exec(process.execPath, argv, options)) };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    result = { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
  const lines = (await readFile(log, 'utf8')).split('\n').filter((line) => line && !line.startsWith('node:'));
  const modules = [...new Set(lines.map((line) => (line.startsWith('file:') ? fileURLToPath(line) : line)))].map((file) =>
    file.startsWith(`${repoRoot}/`) && !file.includes('/node_modules/') ? path.relative(repoRoot, file) : file,
  );
  return { ...result, modules };
}

describe('airlock: a command loads only what it uses', SLOW, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it.each([
    { command: 'users list', prints: 'no users' },
    { command: 'keys list', prints: 'no keys' },
    { command: 'agents list', prints: 'no agents' },
    { command: 'suspensions', prints: 'no active suspensions' },
    { command: 'grants', prints: 'no active standing approvals' },
    { command: 'budgets list', prints: 'no budgets' },
    { command: 'pending', prints: 'nothing is waiting for a decision' },
    { command: 'slack links', prints: 'no Slack links' },
    { command: 'audit verify --threads 0', prints: 'verified: 0 rows' },
  ])(
    '$command reads the database and loads none of Temporal’s client or workflow package, the policy compiler, the guardrails, Prisma’s query compiler',
    SLOW,
    async ({ command, prints }) => {
      const run = await airlockRecorded({ DATABASE_URL: database.url }, ...command.split(' '));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(prints);
      expect(run.modules.filter(isDatabaseLayer)).not.toEqual([]);
      expect(run.modules.filter(isPrismaQueryCompiler)).toEqual([]);
      expect(run.modules.filter(isTemporalClient)).toEqual([]);
      expect(run.modules.filter(isPolicyCompiler)).toEqual([]);
      expect(run.modules.filter(isGuardrails)).toEqual([]);
      expect(run.modules.filter(isTemporalWorkflow)).toEqual([]);
    },
  );

  it('approve and deny look up the open round with plain SQL: Prisma’s query compiler does not load', SLOW, async () => {
    // An open round in the database and no workflow behind it: Temporal's 'no action' comes after the
    // round's hash was read and the decision sent with it. No worker is needed for what loads.
    await createUser(database.db, { id: 'startup-approver', role: 'approver' });
    await createAgent(database.db, { id: 'startup-decided-bot', team: 'eng' });
    await database.db.pool.query(
      `INSERT INTO actions (id, agent_id, tool, args, args_hash, rationale, idempotency_key, workflow_id, status, updated_at)
       VALUES ('startup-waiting', 'startup-decided-bot', 'demo.echo', '{}', $1, 'r', 'k', 'startup-waiting-wf', 'awaiting_approval', now())`,
      ['a'.repeat(64)],
    );
    await database.db.pool.query(
      `INSERT INTO approvals (id, action_id, required_approvals, approver_role, args_hash, timeout_outcome) VALUES ('startup-round', 'startup-waiting', 1, 'approver', $1, 'deny')`,
      ['a'.repeat(64)],
    );
    const env = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' };
    for (const [args, stderr] of [
      [['approve', 'startup-waiting', '--by', 'startup-approver'], 'airlock: <action-id>: no action startup-waiting\n'],
      [['deny', 'startup-waiting', '--by', 'startup-approver'], 'airlock: <action-id>: no action startup-waiting\n'],
      [['approve', 'startup-nothing', '--by', 'startup-approver'], 'airlock: <action-id>: startup-nothing is not waiting for a decision (see: npm run airlock -- pending)\n'],
    ] as const) {
      const run = await airlockRecorded(env, ...args);
      expect({ code: run.code, stderr: run.stderr }, args.join(' ')).toEqual({ code: 1, stderr });
      expect(run.modules.filter(isPrismaQueryCompiler), args.join(' ')).toEqual([]);
    }
  });

  it('a decision refused because the round closed says who closed it with plain SQL: Prisma’s query compiler does not load', SLOW, async () => {
    // The round was approved by Dana and its workflow has ended (terminated here: no worker is needed),
    // so Temporal refuses the decision as closed and the refusal is told from the database's rows.
    await createUser(database.db, { id: 'startup-dana', role: 'approver', name: 'Dana Lee', email: 'dana@example.test' });
    await createUser(database.db, { id: 'startup-late', role: 'approver' });
    await createAgent(database.db, { id: 'startup-closed-bot', team: 'eng' });
    const argsHash = 'b'.repeat(64);
    await database.db.pool.query(
      `INSERT INTO actions (id, agent_id, tool, args, args_hash, rationale, idempotency_key, workflow_id, status, updated_at)
       VALUES ('startup-closed', 'startup-closed-bot', 'demo.echo', '{}', $1, 'r', 'k-closed', $2, 'executed', now())`,
      [argsHash, workflowIdForAction('startup-closed')],
    );
    await database.db.pool.query(
      `INSERT INTO approvals (id, action_id, status, required_approvals, approver_role, args_hash, timeout_outcome, closed_at)
       VALUES ('startup-closed-round', 'startup-closed', 'approved', 1, 'approver', $1, 'deny', now())`,
      [argsHash],
    );
    await database.db.pool.query(
      `INSERT INTO approval_decisions (id, approval_id, user_id, channel, decision, args_hash, decided_at)
       VALUES ('startup-closed-decision', 'startup-closed-round', 'startup-dana', 'api', 'approve', $1, now())`,
      [argsHash],
    );
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, namespace: 'default' });
      const handle = await client.workflow.start('guardedAction', { taskQueue: `startup-modules-${process.pid}`, workflowId: workflowIdForAction('startup-closed'), args: [] });
      await handle.terminate('the round closed: startup-modules.test.ts');
    } finally {
      await connection.close();
    }
    const env = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' };
    for (const decision of ['approve', 'deny']) {
      const run = await airlockRecorded(env, decision, 'startup-closed', '--by', 'startup-late', '--args-hash', argsHash);
      expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }, decision).toEqual({
        code: 1,
        stdout: '',
        stderr: 'airlock: this action was already approved by Dana Lee (dana@example.test)\n',
      });
      expect(run.modules.filter(isPrismaQueryCompiler), decision).toEqual([]);
    }
  });

  it('control: a process’s first Prisma query loads Prisma’s query compiler, and the recorder sees it', SLOW, async () => {
    // No CLI command queries through Prisma any more: a one-query script, started as the CLI is, stands in.
    const run = await recorded(path.join(import.meta.dirname, 'prisma-query-fixture.ts'), { DATABASE_URL: database.url });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^users: \d+\n$/);
    expect(run.modules.filter(isPrismaQueryCompiler)).not.toEqual([]);
  });

  it('a write through a use case (agents create) loads neither Temporal’s client nor its workflow package nor the policy compiler', SLOW, async () => {
    // Its refusals are worded by the policy package's zod wording, which has an entry of its own.
    await createUser(database.db, { id: 'startup-owner', role: 'approver' });
    const run = await airlockRecorded({ DATABASE_URL: database.url }, 'agents', 'create', 'startup-bot', '--team', 'eng', '--owner', 'startup-owner');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.modules).toContain('packages/ops/src/errors.ts');
    expect(run.modules.filter(isTemporalClient)).toEqual([]);
    expect(run.modules.filter(isTemporalWorkflow)).toEqual([]);
    expect(run.modules.filter(isPolicyCompiler)).toEqual([]);
    // Control: its audit row is redacted before it is written, so the recorder sees the guardrails here.
    expect(run.modules.filter(isGuardrails)).not.toEqual([]);
  });

  it('--help loads neither the database layer nor the policy compiler', SLOW, async () => {
    const run = await airlockRecorded({}, '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: airlock');
    expect(run.modules.filter((file) => isDatabaseLayer(file) || isTemporalClient(file) || isPolicyCompiler(file))).toEqual([]);
  });

  it('control: policy check loads the policy compiler, and the recorder sees it', SLOW, async () => {
    const run = await airlockRecorded({}, 'policy', 'check', path.join(repoRoot, 'packages/policy/policies/default.yaml'));
    expect(run.code).toBe(0);
    expect(run.modules).toContain('packages/policy/src/compile.ts');
    expect(run.modules.some((file) => file.includes('/node_modules/@marcbachmann/cel-js/'))).toBe(true);
    expect(run.modules.filter(isDatabaseLayer)).toEqual([]);
  });

  it('control: a decision loads Temporal’s client, and the recorder sees it', SLOW, async () => {
    // No Temporal is set or running: the command stops at its settings, after loading what it would use.
    const run = await airlockRecorded({ DATABASE_URL: database.url }, 'approve', 'some-action', '--by', 'someone');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('TEMPORAL_ADDRESS is not set');
    expect(run.modules.filter(isTemporalClient)).not.toEqual([]);
    // The decide Update's definition comes from Temporal's workflow package.
    expect(run.modules.filter(isTemporalWorkflow)).not.toEqual([]);
  });
});
