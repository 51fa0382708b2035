import { defaultActivityDeps } from '@airlock/activities';
import { builtinTools } from '@airlock/tools';
import { createSandbox, type Sandbox } from '@airlock/sandbox';
import { awaitOutcome, submitAction } from '@airlock/core/gateway';
import { createAgent } from '@airlock/db';
import { compilePolicy } from '@airlock/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { marker, processesMatching, testSandbox } from './support.js';

const policy = compilePolicy(
  `apiVersion: airlock/v1
rules:
  - id: sandboxed-shell
    tools: [shell.exec]
    tier: low
    outcome: allow
    reason: shell.exec runs in a sandbox without network
`,
  'sandbox-e2e.yaml',
);

let sandbox: Sandbox;
let h: Harness;
let refusing: Harness;

beforeAll(async () => {
  sandbox = await testSandbox();
  h = await startHarness({ deps: (db) => defaultActivityDeps(db, { current: () => policy }, builtinTools({ shell: {} }, { sandbox })) });
  await createAgent(h.db, { id: 'ops-bot', team: 'ops', allowedTools: ['shell.*'] });
  // A worker on a host where the sandbox cannot start: same policy, same tool.
  const broken = createSandbox({ bwrapPath: '/nonexistent/bwrap' });
  refusing = await startHarness({ deps: (db) => defaultActivityDeps(db, { current: () => policy }, builtinTools({ shell: {} }, { sandbox: broken })) });
  await createAgent(refusing.db, { id: 'ops-bot', team: 'ops', allowedTools: ['shell.*'] });
});
afterAll(async () => {
  await h?.close();
  await refusing?.close();
});

describe('shell.exec through the real workflow', () => {
  it('an allowed action runs in the sandbox and the agent gets its output', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'ops-bot',
      tool: 'shell.exec',
      args: { command: ['sh', '-c', 'echo "uid=$(id -u) cwd=$(pwd)"; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'] },
      rationale: 'check the sandbox identity',
      idempotencyKey: marker('e2e'),
    });
    const outcome = await awaitOutcome(h.client, actionId);
    expect(outcome).toMatchObject({
      status: 'executed',
      output: { exitCode: 0, stdout: 'uid=65534 cwd=/scratch\nlo\n', killedBy: null, truncated: false, timedOut: false },
    });
    const execution = await h.db.prisma.toolExecution.findFirstOrThrow({ where: { actionId } });
    expect(execution.status).toBe('succeeded');
    expect(await sandbox.leftovers()).toEqual({ scratchDirs: [], cgroups: [] });
  });

  it('a run killed at its deadline is reported, not hidden', async () => {
    const { actionId } = await submitAction(h.client, h.taskQueue, {
      agentId: 'ops-bot',
      tool: 'shell.exec',
      args: { command: ['sh', '-c', 'while :; do :; done'], timeoutMs: 500 },
      rationale: 'a runaway command',
      idempotencyKey: marker('e2e'),
    });
    expect(await awaitOutcome(h.client, actionId)).toMatchObject({ status: 'executed', output: { killedBy: 'timeout', timedOut: true } });
  });

  it('fails closed end to end where the sandbox cannot start: the command never runs', async () => {
    const name = marker('never');
    const { actionId } = await submitAction(refusing.client, refusing.taskQueue, {
      agentId: 'ops-bot',
      tool: 'shell.exec',
      args: { command: ['sh', '-c', `cp /usr/bin/sleep /tmp/${name}; /tmp/${name} 30`] },
      rationale: 'must not run unsandboxed',
      idempotencyKey: marker('e2e'),
    });
    const outcome = await awaitOutcome(refusing.client, actionId);
    expect(outcome).toMatchObject({ status: 'failed', error: expect.stringContaining('sandbox unavailable: bwrap not found') });
    expect(await processesMatching(name)).toEqual([]);
  });
});
