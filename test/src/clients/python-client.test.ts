import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlockServer, type AirlockServer } from '../adapters/airlock-server.js';
import { spawnChild } from '../support/child.js';

const repoRoot = join(import.meta.dirname, '../../..');
const clientDir = join(repoRoot, 'clients/python');
// CI keeps it under .tools/ (ignored by git); AIRLOCK_PYTHON_VENV points elsewhere when .tools is shared.
const venv = process.env.AIRLOCK_PYTHON_VENV ?? join(repoRoot, '.tools/python-client');
const python = join(venv, 'bin/python');

async function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const child = await spawnChild(name, command, args, { cwd: repoRoot, env });
  const status = await child.exited;
  expect(status, `${name} failed:\n${child.output()}`).toEqual({ code: 0, signal: null });
  return child.output();
}

/** The venv with the client and its test and example extras (tools/python-client-venv.sh: made again only when pyproject.toml changes). */
async function ensureVenv(): Promise<void> {
  await run('tools/python-client-venv.sh', 'sh', [join(repoRoot, 'tools/python-client-venv.sh')], { ...process.env, AIRLOCK_PYTHON_VENV: venv });
}

let server: AirlockServer;

beforeAll(async () => {
  await ensureVenv();
  server = await startAirlockServer();
}, 900_000);
afterAll(async () => {
  await server?.close();
});

describe('the Python client (clients/python)', () => {
  it('passes its pytest suite against the real server, models checked against the served OpenAPI document', { timeout: 600_000 }, async () => {
    const output = await run('pytest', python, ['-m', 'pytest', clientDir, '-q', '-p', 'no:cacheprovider', '-rs'], {
      ...process.env,
      AIRLOCK_URL: server.api.url,
      AIRLOCK_API_KEY: server.keys.agent,
      AIRLOCK_OTHER_AGENT_KEY: server.keys.otherAgent,
      AIRLOCK_APPROVER_KEY: server.keys.alice,
    });
    const summary = output.trim().split('\n').at(-1) ?? '';
    // Every test ran: none skipped, none failed.
    expect(summary, output).toMatch(/^\d+ passed in /);
  });
});
